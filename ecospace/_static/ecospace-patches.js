/* ecospace patch layers: every feature of a large layer drawn on canvas tiles and clickable.
 *
 * Part of ecospace (see its LICENSE).  Written for ecospace.maps; needs Leaflet 1.9 and
 * Flatbush 4 (both inlined before this file).  The data of every layer arrives as one
 * deflate-compressed, base64-encoded buffer of typed arrays (see ecospace/_map_data.py):
 * coordinates quantised in Web Mercator metres (display only, never measured), rings,
 * src_fid, area and the text columns.  Tiles are drawn from a Flatbush index of the
 * features' boxes; a click finds the feature under the pointer with the same index and a
 * point-in-polygon test, so every feature answers at any zoom.
 */
(function () {
  "use strict";
  var HALF = Math.PI * 6378137; // half the Web Mercator world, metres

  function bytesOf(b64) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64); // native where there is one
    var bin = atob(b64), n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer();
  }

  var TYPES = {
    u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, u32: Uint32Array,
    f32: Float32Array, f64: Float64Array
  };

  function view(buf, spec) {
    // spec: [dtype, byte offset, length]; copied so that every array is aligned
    var T = TYPES[spec[0]];
    return new T(buf.slice(spec[1], spec[1] + spec[2] * T.BYTES_PER_ELEMENT));
  }

  function decodeLayer(buf, meta) {
    var a = meta.arrays, n = meta.n;
    var nrings = view(buf, a.nrings), ringlen = view(buf, a.ringlen);
    var start = view(buf, a.start), delta = view(buf, a.delta);
    var featRing = new Uint32Array(n + 1), ringOff = new Uint32Array(ringlen.length + 1);
    for (var f = 0; f < n; f++) featRing[f + 1] = featRing[f] + nrings[f];
    for (var r = 0; r < ringlen.length; r++) ringOff[r + 1] = ringOff[r] + ringlen[r];
    var nv = ringOff[ringlen.length], xy = new Float64Array(2 * nv);
    var q = meta.q, d = 0, index = new Flatbush(Math.max(n, 1));
    var bbox = new Float64Array(4 * n);
    for (f = 0; f < n; f++) {
      var v0 = ringOff[featRing[f]], v1 = ringOff[featRing[f + 1]];
      var x = start[2 * f], y = start[2 * f + 1];
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (var v = v0; v < v1; v++) {
        if (v > v0) { x += delta[2 * d]; y += delta[2 * d + 1]; d++; }
        var mx = meta.ox + x * q, my = meta.oy + y * q;
        xy[2 * v] = mx; xy[2 * v + 1] = my;
        if (mx < x0) x0 = mx; if (mx > x1) x1 = mx;
        if (my < y0) y0 = my; if (my > y1) y1 = my;
      }
      bbox[4 * f] = x0; bbox[4 * f + 1] = y0; bbox[4 * f + 2] = x1; bbox[4 * f + 3] = y1;
      index.add(x0, y0, x1, y1);
    }
    if (!n) index.add(0, 0, 0, 0);
    index.finish();
    var cols = {};
    for (var name in meta.text) {
      var t = meta.text[name];
      var words = new TextDecoder().decode(new Uint8Array(buf, t.words[0], t.words[1]));
      cols[name] = {words: words.split("\n"), idx: view(buf, t.idx)};
    }
    return {
      meta: meta, n: n, xy: xy, featRing: featRing, ringOff: ringOff, bbox: bbox, index: index,
      fid: view(buf, a.fid), area: view(buf, a.area), text: cols,
      color: a.color ? view(buf, a.color) : null
    };
  }

  /* Decode every layer of the page's data (async: the browser inflates off the main thread). */
  function load(b64, metas) {
    var t = window.ecospaceTiming = {start: performance.now()};
    var bytes = bytesOf(b64);
    t.base64 = performance.now() - t.start;
    return inflate(bytes).then(function (buf) {
      t.inflate = performance.now() - t.start;
      var out = {};
      metas.forEach(function (m) { out[m.key] = decodeLayer(buf, m); });
      t.decoded = performance.now() - t.start;
      return out;
    });
  }

  function pointIn(data, f, mx, my) {
    // even-odd crossings over all rings of the feature (holes included)
    var inside = false, xy = data.xy;
    for (var r = data.featRing[f]; r < data.featRing[f + 1]; r++) {
      var v0 = data.ringOff[r], v1 = data.ringOff[r + 1];
      for (var i = v0, j = v1 - 1; i < v1; j = i++) {
        var xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
        if ((yi > my) !== (yj > my) && mx < (xj - xi) * (my - yi) / (yj - yi) + xi)
          inside = !inside;
      }
    }
    return inside;
  }

  /* "#rrggbb" at an opacity as one RGBA pixel of a Uint32Array over ImageData (little-endian). */
  function packed(hex, opacity) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex) || [0, "99", "99", "99"];
    var a = Math.round(255 * opacity);
    return ((a << 24) | (parseInt(m[3], 16) << 16) | (parseInt(m[2], 16) << 8) | parseInt(m[1], 16)) >>> 0;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function haText(m2, method) {
    return (m2 / 1e4).toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2})
      + " 公顷（" + method + "）";
  }

  var PatchLayer = L.GridLayer.extend({
    options: {updateWhenZooming: false, keepBuffer: 1},

    initialize: function (data, style, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._data = data;
      this._style = style;
    },

    createTile: function (coords) {
      var size = this.getTileSize(), ratio = window.devicePixelRatio || 1;
      var tile = document.createElement("canvas");
      tile.width = size.x * ratio; tile.height = size.y * ratio;
      var ctx = tile.getContext("2d");
      ctx.scale(ratio, ratio);
      this._draw(ctx, coords, size, ratio);
      return tile;
    },

    _draw: function (ctx, coords, size, ratio) {
      var d = this._data, s = this._style;
      var k = size.x * Math.pow(2, coords.z) / (2 * HALF); // pixels per metre
      var mx0 = coords.x * size.x / k - HALF, my1 = HALF - coords.y * size.y / k;
      var pad = 2 / k;
      var ids = d.index.search(mx0 - pad, my1 - size.y / k - pad, mx0 + size.x / k + pad, my1 + pad);
      if (!ids.length) return;
      // one path per fill colour (land use: per class); patches of a few pixels are set
      // straight into the tile's pixels (a county's first view holds ~10⁶ of them)
      var colours = d.color ? s.palette : [s.fillColor || s.color], paths = [];
      for (var c = 0; c < colours.length; c++) paths.push(new Path2D());
      var rgba = colours.map(function (c) { return packed(c, s.fillOpacity); });
      var W = Math.round(size.x * ratio), H = Math.round(size.y * ratio), kr = k * ratio;
      var img = null, px = null;
      var xy = d.xy, bb = d.bbox;
      for (var i = 0; i < ids.length; i++) {
        var f = ids[i], big = paths[d.color ? d.color[f] : 0];
        var w = (bb[4 * f + 2] - bb[4 * f]) * k, h = (bb[4 * f + 3] - bb[4 * f + 1]) * k;
        if (w < 3 && h < 3) { // a few pixels: its box (a dot at least), as a tiler would keep it
          if (!img) { img = ctx.createImageData(W, H); px = new Uint32Array(img.data.buffer); }
          var x0 = Math.floor((bb[4 * f] - mx0) * kr), y0 = Math.floor((my1 - bb[4 * f + 3]) * kr);
          var x1 = Math.max(x0 + 1, Math.ceil((bb[4 * f + 2] - mx0) * kr));
          var y1 = Math.max(y0 + 1, Math.ceil((my1 - bb[4 * f + 1]) * kr));
          var col = rgba[d.color ? d.color[f] : 0];
          for (var yy = Math.max(y0, 0); yy < Math.min(y1, H); yy++)
            for (var xx = Math.max(x0, 0); xx < Math.min(x1, W); xx++) px[yy * W + xx] = col;
          continue;
        }
        for (var r = d.featRing[f]; r < d.featRing[f + 1]; r++) {
          var v0 = d.ringOff[r], v1 = d.ringOff[r + 1];
          big.moveTo((xy[2 * v0] - mx0) * k, (my1 - xy[2 * v0 + 1]) * k);
          for (var v = v0 + 1; v < v1; v++) big.lineTo((xy[2 * v] - mx0) * k, (my1 - xy[2 * v + 1]) * k);
          big.closePath();
        }
      }
      if (img) ctx.putImageData(img, 0, 0); // first: it replaces pixels, paths blend over it
      for (c = 0; c < colours.length; c++) {
        ctx.globalAlpha = s.fillOpacity;
        ctx.fillStyle = colours[c];
        ctx.fill(paths[c], "nonzero"); // oriented rings: holes stay open, overlaps filled
        if (coords.z >= s.strokeFromZoom) {
          ctx.globalAlpha = 1;
          ctx.lineWidth = s.weight;
          ctx.strokeStyle = s.color;
          ctx.stroke(paths[c]);
        }
      }
    },

    /* The feature under a map point (metres), else the nearest feature drawn as a dot (no
     * more than tol metres across) within tol; -1 if none. */
    featureAt: function (mx, my, tol) {
      var d = this._data, best = -1, bestDist = Infinity;
      var ids = d.index.search(mx - tol, my - tol, mx + tol, my + tol);
      for (var i = ids.length - 1; i >= 0; i--) {
        var f = ids[i], bb = d.bbox;
        if (pointIn(d, f, mx, my)) return f;
        if (bb[4 * f + 2] - bb[4 * f] > tol || bb[4 * f + 3] - bb[4 * f + 1] > tol) continue;
        var dx = Math.max(bb[4 * f] - mx, 0, mx - bb[4 * f + 2]);
        var dy = Math.max(bb[4 * f + 1] - my, 0, my - bb[4 * f + 3]);
        var dist = Math.hypot(dx, dy);
        if (dist < bestDist) { bestDist = dist; best = f; }
      }
      return bestDist <= tol ? best : -1;
    },

    popupHtml: function (f) {
      var d = this._data, m = d.meta, rows = [["图层 Layer", m.label]];
      m.columns.forEach(function (c) {
        var v;
        if (c[0] === "fid") v = String(d.fid[f]);
        else if (c[0] === "area") v = haText(d.area[f], m.method);
        else { var t = d.text[c[0]]; v = t.words[t.idx[f]]; }
        if (v !== "") rows.push([c[1], v]);
      });
      return "<table>" + rows.map(function (r) {
        return "<tr><th>" + escapeHtml(r[0]) + "</th><td>" + escapeHtml(r[1]) + "</td></tr>";
      }).join("") + "</table>";
    },

    /* The feature's rings as Leaflet lat/lngs (to outline the selected feature). */
    latLngs: function (f) {
      var d = this._data, out = [];
      for (var r = d.featRing[f]; r < d.featRing[f + 1]; r++) {
        var ring = [];
        for (var v = d.ringOff[r]; v < d.ringOff[r + 1]; v++)
          ring.push(L.CRS.EPSG3857.unproject(L.point(d.xy[2 * v], d.xy[2 * v + 1])));
        out.push(ring);
      }
      return out;
    }
  });

  /* Clicks on the map that hit no SVG feature: the topmost visible patch layer answers. */
  function enableClicks(map, layers) {
    var selected = null;
    map.on("click", function (e) {
      var p = L.CRS.EPSG3857.project(e.latlng);
      var tol = 3 * 2 * HALF / (256 * Math.pow(2, map.getZoom())); // 3 pixels, in metres
      for (var i = layers.length - 1; i >= 0; i--) {
        var layer = layers[i];
        if (!map.hasLayer(layer)) continue;
        var f = layer.featureAt(p.x, p.y, tol);
        if (f < 0) continue;
        if (selected) map.removeLayer(selected);
        selected = L.polygon(layer.latLngs(f), {
          color: "#00e5ff", weight: 3, fill: false, interactive: false
        }).addTo(map);
        var outline = selected, popup = L.popup({maxWidth: 400});
        popup.on("remove", function () {
          map.removeLayer(outline);
          if (selected === outline) selected = null;
        });
        popup.setLatLng(e.latlng).setContent(layer.popupHtml(f)).openOn(map);
        return;
      }
    });
  }

  window.ecospacePatches = {load: load, PatchLayer: PatchLayer, enableClicks: enableClicks};
})();
