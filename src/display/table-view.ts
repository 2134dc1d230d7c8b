/** A table value that renders itself: the last expression of a cell, or `show(asTable(rows))`. */
import { inspect, type InspectOptions } from "node:util";
import { richInspect } from "./inspect.js";
import { renderTableHtml, renderTableText, type TableData, type TableOptions } from "./table.js";

export class TableView {
  constructor(
    readonly data: TableData,
    readonly options: TableOptions = {},
  ) {}

  toHtml(): string {
    return renderTableHtml(this.data, this.options);
  }

  toText(): string {
    return renderTableText(this.data, this.options);
  }

  [inspect.custom](depth: number, options: InspectOptions): string {
    const n = Array.isArray(this.data) ? this.data.length : Math.max(0, ...Object.values(this.data).map((c) => c.length));
    return richInspect(this, `Table (${n} rows)`, depth, options);
  }
}

/** Wrap rows or columns with table options into a displayable value. */
export function asTable(data: TableData, options: TableOptions = {}): TableView {
  return new TableView(data, options);
}
