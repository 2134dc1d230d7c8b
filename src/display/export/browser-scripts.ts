/**
 * Code that runs inside the export browser, kept as JavaScript text: functions passed to
 * `page.evaluate` would be serialized from *compiled* code, and TS/esbuild transforms (helper calls such
 * as `__name`) do not exist in the page. Each constant is a function expression called with one
 * JSON argument by {@link browserCall}.
 */

/** `({data, layout, width, height, scale, format}) → {base64} | {text}` through `Plotly.toImage`. */
export const PLOTLY_TO_IMAGE = `async function (a) {
  var url = await window.Plotly.toImage({ data: a.data, layout: a.layout, config: { staticPlot: true } },
    { format: a.format, width: a.width, height: a.height, scale: a.format === "svg" ? 1 : a.scale });
  var comma = url.indexOf(",");
  var head = url.slice(0, comma), body = url.slice(comma + 1);
  return /;base64$/.test(head) ? { base64: body } : { text: decodeURIComponent(body) };
}`;

/** `({plan, panels}) → base64 PNG`: panel PNGs drawn on one canvas with letters and a title. */
export const COMPOSE_PNG = `async function (a) {
  var plan = a.plan, s = plan.scale;
  var canvas = document.createElement("canvas");
  canvas.width = Math.round(plan.width * s);
  canvas.height = Math.round(plan.height * s);
  var ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (var i = 0; i < a.panels.length; i++) {
    var p = a.panels[i];
    var img = new Image();
    img.src = p.src;
    await img.decode();
    ctx.drawImage(img, Math.round(p.x * s), Math.round(p.y * s), Math.round(plan.pw * s), Math.round(plan.ph * s));
  }
  ctx.fillStyle = "#000000";
  ctx.textBaseline = "alphabetic";
  if (plan.title !== undefined && plan.title !== null) {
    ctx.font = "bold " + Math.round(plan.fontSize * 1.3 * s) + "px " + plan.fontFamily;
    ctx.textAlign = "center";
    ctx.fillText(plan.title, (plan.width / 2) * s, Math.round(plan.fontSize * 1.5) * s);
  }
  ctx.textAlign = "left";
  ctx.font = "bold " + Math.round(plan.fontSize * 1.35 * s) + "px " + plan.fontFamily;
  for (var j = 0; j < a.panels.length; j++) {
    var q = a.panels[j];
    if (q.label) ctx.fillText(q.label, (q.x + 4) * s, (q.y + Math.round(plan.fontSize * 1.35)) * s);
  }
  var out = canvas.toDataURL("image/png");
  return out.slice(out.indexOf(",") + 1);
}`;

/**
 * `({timeoutMs}) → {plots, drawn, errors}` for a page of plotly figures: waits until every
 * `.lfads-plot` div holds a `.main-svg` (or the timeout passes) and reports the counts.
 */
export const COUNT_DRAWN_PLOTS = `async function (a) {
  var t0 = Date.now();
  function count() {
    var divs = Array.prototype.slice.call(document.querySelectorAll(".lfads-plot"));
    var drawn = divs.filter(function (d) { return d.querySelector(".main-svg") !== null; }).length;
    return { plots: divs.length, drawn: drawn, mainSvgDivs: document.querySelectorAll(".js-plotly-plot").length };
  }
  var c = count();
  while (c.drawn < c.plots && Date.now() - t0 < a.timeoutMs) {
    await new Promise(function (r) { setTimeout(r, 50); });
    c = count();
  }
  return c;
}`;

/** A `page.evaluate` expression that calls `fn` (one of the constants above) with `arg`. */
export function browserCall(fn: string, arg: unknown): string {
  return `(${fn})(${JSON.stringify(arg)})`;
}
