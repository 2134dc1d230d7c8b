/** Self-contained HTML reports (plotly.js inlined once; figures, tables, text). */
export { writeReport, reportHtml, reportFigureCount, type ReportOptions, type ReportSection, type HtmlRenderable } from "./report.js";
export { pbtReportSection } from "./pbt-section.js";
