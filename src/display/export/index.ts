/** Static export of figures (SVG, PNG, PDF; single figures and multi-panel pages) through system Chromium. */
export {
  saveFigure, renderFigure, countDrawnPlots, savePanels, renderPanels, formatFromPath, IMAGE_FORMATS, DEFAULT_EXPORT_WIDTH, DEFAULT_EXPORT_HEIGHT,
  type ImageFormat, type SaveOptions, type PanelOptions, type FigureLike, type DrawnPlots,
} from "./export.js";
export { findChromium, chromiumPath, ChromiumNotFoundError, CHROMIUM_PATHS, CHROMIUM_NAMES, CHROMIUM_FLAGS } from "./chromium.js";
export { closeExporter, setExportIdleTimeout, exporterRunning } from "./session.js";
