/* Leaflet's own control texts in Danish, on every page that draws a map (base.html loads this
   after the page's scripts): the controls already made are renamed, later ones are made so. */
(function () {
  "use strict";
  if (typeof L === "undefined") return;
  const ZOOM_IN = "Zoom ind";
  const ZOOM_OUT = "Zoom ud";
  const LAYERS = "Kortlag";
  L.Control.Zoom.prototype.options.zoomInTitle = ZOOM_IN;
  L.Control.Zoom.prototype.options.zoomOutTitle = ZOOM_OUT;
  const name = (el, text) => { el.title = text; el.setAttribute("aria-label", text); };
  const layersInit = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.prototype._initLayout = function () {
    layersInit.call(this);
    const a = this._container.querySelector(".leaflet-control-layers-toggle");
    if (a) name(a, LAYERS);
  };
  document.querySelectorAll(".leaflet-control-zoom-in").forEach((a) => name(a, ZOOM_IN));
  document.querySelectorAll(".leaflet-control-zoom-out").forEach((a) => name(a, ZOOM_OUT));
  document.querySelectorAll(".leaflet-control-layers-toggle").forEach((a) => name(a, LAYERS));
})();
