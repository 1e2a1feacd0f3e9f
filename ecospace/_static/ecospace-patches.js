/* ecospace patch layers: every feature of a large layer drawn on canvas tiles and clickable.
 *
 * Part of ecospace (see its LICENSE).  Written for ecospace.maps; needs Leaflet 1.9 and
 * Flatbush 4 (both inlined before this file).  The data of every layer arrives as one
 * deflate-compressed, base64-encoded buffer of typed arrays (see ecospace/_map_data.py):
 * coordinates quantised in Web Mercator metres (display only, never measured), rings,
 * src_fid, area and the text columns.  Inline, the buffer comes in pieces, each handed
 * (feed) to a worker that inflates it while the browser goes on reading the page; the
 * worker is made from a Blob URL (no request) and, where it cannot run, the page inflates
 * the pieces itself once they are all read.  Decoding makes one pass over the vertices for
 * the features' boxes; coordinates are read from the packed steps when a feature is drawn or
 * clicked.  Until the Flatbush index of the boxes is built (after the first tiles are drawn,
 * in the worker if there is one: building it first would delay them), tiles and clicks scan
 * the boxes, so every feature answers at any zoom from the first draw.
 */
(function () {
  "use strict";
  var HALF = Math.PI * 6378137; // half the Web Mercator world, metres
  var BLOCK = 64; // features per block of the scan used until the index is built

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

  /* Milliseconds since navigation at each step (window.ecospaceTiming). */
  function mark(name) {
    var t = window.ecospaceTiming = window.ecospaceTiming || {};
    t[name] = performance.now();
    return t;
  }

  // one deflate stream written piece by piece, its output sent back whole; then the
  // Flatbush index of each layer's boxes (Flatbush's own source runs before this)
  var WORKER = [
    "var writer = null;",
    "onmessage = function (e) {",
    "  if (e.data && e.data.bbox) {",
    "    var bb = e.data.bbox, n = bb.length / 4, index = new Flatbush(Math.max(n, 1));",
    "    for (var f = 0; f < n; f++)",
    "      index.add(bb[4 * f], bb[4 * f + 1], bb[4 * f + 2], bb[4 * f + 3]);",
    "    if (!n) index.add(0, 0, 0, 0);",
    "    index.finish();",
    "    postMessage({key: e.data.key, index: index.data}, [index.data]);",
    "    return;",
    "  }",
    "  if (!writer) {",
    "    var ds = new DecompressionStream('deflate');",
    "    writer = ds.writable.getWriter();",
    "    new Response(ds.readable).arrayBuffer().then(",
    "      function (buf) { postMessage(buf, [buf]); },",
    "      function (err) { postMessage(String(err)); });",
    "  }",
    "  if (e.data === null) writer.close(); else writer.write(e.data);",
    "};"
  ].join("\n");
  var fed = null;

  function startFeed() {
    var f = {pieces: [], worker: null, closed: false, inflating: false}, ok, bad;
    f.result = new Promise(function (resolve, reject) { ok = resolve; bad = reject; });
    f.fallback = function () { // no worker: inflate here, once every piece is read
      if (f.worker) { f.worker.terminate(); f.worker = null; }
      f.failed = true;
      if (f.onIndexError) f.onIndexError();
      if (!f.closed || f.inflating || f.inflated) return;
      f.inflating = true;
      inflate(new Blob(f.pieces)).then(ok, bad);
    };
    f.start = function () { // the worker, given the pieces read so far
      var bush = document.getElementById("ecospace-flatbush");
      try {
        var url = URL.createObjectURL(new Blob(
          [bush ? bush.textContent : "", "\n", WORKER], {type: "text/javascript"}));
        f.worker = new Worker(url);
        f.bush = !!bush;
      } catch (err) {
        f.fallback();
        return;
      }
      f.worker.onmessage = function (e) {
        if (e.data && e.data.index) { f.onIndex(e.data); return; }
        URL.revokeObjectURL(url);
        if (!(e.data instanceof ArrayBuffer)) { f.fallback(); return; }
        f.pieces = null;
        f.inflated = true;
        mark("worker"); // inflated by the worker (kept for the indexes)
        ok(e.data);
      };
      f.worker.onerror = function (e) { e.preventDefault(); URL.revokeObjectURL(url); f.fallback(); };
      f.pieces.forEach(function (bytes) { f.worker.postMessage(bytes); });
    };
    return f;
  }

  /* One piece of the inline data (the data block of that id), or null after the last.
   * A worker is started at the second piece: for one piece (under 3 MB) it would cost
   * more to start than it saves. */
  function feed(id) {
    if (!fed) { fed = startFeed(); mark("fed"); }
    if (id === null) {
      fed.closed = true;
      mark("parsed");
      if (fed.worker) fed.worker.postMessage(null); else fed.fallback();
      return;
    }
    var bytes = bytesOf(document.getElementById(id).textContent);
    fed.pieces.push(bytes); // kept until the worker answers: the fallback needs them
    if (fed.worker) fed.worker.postMessage(bytes);
    else if (fed.pieces.length === 2 && !fed.failed) fed.start();
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
    // one pass over the steps, in quantised integers: each feature's box and where its
    // steps begin (a feature without rings has none)
    var q = meta.q, ox = meta.ox, oy = meta.oy, d = 0;
    var bbox = new Float64Array(4 * n), stepOff = new Uint32Array(n);
    // and the box of every BLOCK features in a row: the features come in Hilbert order, so
    // a block covers a small area and a scan of the blocks finds a tile's features fast
    var blocks = new Float64Array(4 * Math.ceil(n / BLOCK)).fill(Infinity);
    for (var b = 2; b < blocks.length; b += 4) { blocks[b] = -Infinity; blocks[b + 1] = -Infinity; }
    for (f = 0; f < n; f++) {
      var v0 = ringOff[featRing[f]], v1 = ringOff[featRing[f + 1]];
      stepOff[f] = d;
      var x = start[2 * f], y = start[2 * f + 1], x0 = x, y0 = y, x1 = x, y1 = y;
      for (var v = v0 + 1; v < v1; v++, d++) {
        x += delta[2 * d]; y += delta[2 * d + 1];
        if (x < x0) x0 = x; else if (x > x1) x1 = x;
        if (y < y0) y0 = y; else if (y > y1) y1 = y;
      }
      if (v1 === v0) { x0 = y0 = Infinity; x1 = y1 = -Infinity; } // never found
      bbox[4 * f] = ox + x0 * q; bbox[4 * f + 1] = oy + y0 * q;
      bbox[4 * f + 2] = ox + x1 * q; bbox[4 * f + 3] = oy + y1 * q;
      b = 4 * Math.floor(f / BLOCK);
      if (bbox[4 * f] < blocks[b]) blocks[b] = bbox[4 * f];
      if (bbox[4 * f + 1] < blocks[b + 1]) blocks[b + 1] = bbox[4 * f + 1];
      if (bbox[4 * f + 2] > blocks[b + 2]) blocks[b + 2] = bbox[4 * f + 2];
      if (bbox[4 * f + 3] > blocks[b + 3]) blocks[b + 3] = bbox[4 * f + 3];
    }
    var cols = {};
    for (var name in meta.text) {
      var t = meta.text[name];
      var words = new TextDecoder().decode(new Uint8Array(buf, t.words[0], t.words[1]));
      cols[name] = {words: words.split("\n"), idx: view(buf, t.idx)};
    }
    return {
      meta: meta, n: n, start: start, delta: delta, stepOff: stepOff, featRing: featRing,
      ringOff: ringOff, bbox: bbox, blocks: blocks, index: null,
      fid: view(buf, a.fid), area: view(buf, a.area), text: cols,
      color: a.color ? view(buf, a.color) : null
    };
  }

  /* The Flatbush index of a layer's boxes (built once, after the first draw). */
  function buildIndex(data) {
    if (data.index) return;
    var n = data.n, bb = data.bbox, index = new Flatbush(Math.max(n, 1));
    for (var f = 0; f < n; f++) index.add(bb[4 * f], bb[4 * f + 1], bb[4 * f + 2], bb[4 * f + 3]);
    if (!n) index.add(0, 0, 0, 0);
    index.finish();
    data.index = index;
  }

  /* Features whose box meets a rectangle (metres): the index once built, else a scan of
   * the blocks' boxes and of the features in the blocks that meet it. */
  function search(data, minX, minY, maxX, maxY) {
    if (data.index) return data.index.search(minX, minY, maxX, maxY);
    var bb = data.bbox, bl = data.blocks, out = [];
    for (var b = 0; b < bl.length; b += 4) {
      if (bl[b] > maxX || bl[b + 2] < minX || bl[b + 1] > maxY || bl[b + 3] < minY) continue;
      for (var f = b / 4 * BLOCK, end = Math.min(f + BLOCK, data.n); f < end; f++) {
        if (bb[4 * f] <= maxX && bb[4 * f + 2] >= minX && bb[4 * f + 1] <= maxY &&
            bb[4 * f + 3] >= minY) out.push(f);
      }
    }
    return out;
  }

  /* The feature's vertices, ring by ring, in metres: fn(x, y, first vertex of a ring). */
  function eachVertex(data, f, fn) {
    var q = data.meta.q, ox = data.meta.ox, oy = data.meta.oy;
    var start = data.start, delta = data.delta, d = data.stepOff[f];
    var x = start[2 * f], y = start[2 * f + 1], first = true;
    for (var r = data.featRing[f]; r < data.featRing[f + 1]; r++) {
      for (var v = data.ringOff[r], v1 = data.ringOff[r + 1]; v < v1; v++) {
        if (!first) { x += delta[2 * d]; y += delta[2 * d + 1]; d++; }
        fn(ox + x * q, oy + y * q, v === data.ringOff[r]);
        first = false;
      }
    }
  }

  /* Decode every layer of the page's data: the pieces fed, else b64 (the data file). */
  function load(b64, metas) {
    mark("start");
    var inflated = fed ? fed.result : inflate(bytesOf(b64));
    return inflated.then(function (buf) {
      mark("inflated");
      var out = {};
      metas.forEach(function (m) { out[m.key] = decodeLayer(buf, m); });
      mark("decoded");
      return out;
    });
  }

  /* Index every layer (the visible ones first), then set window.ecospaceIndexed: in the
   * worker that inflated the data if there is one (the page stays free to answer clicks),
   * else here, one layer per task, begun after the next frame so that the first tiles are
   * on screen before. */
  function indexAll(layers) {
    var todo = layers.slice().sort(function (a, b) {
      return (b._map ? 1 : 0) - (a._map ? 1 : 0);
    });
    function done() {
      if (fed && fed.worker) { fed.worker.terminate(); fed.worker = null; }
      mark("indexed");
      window.ecospaceIndexed = true;
    }
    if (todo.length && fed && fed.worker && fed.bush) {
      var byKey = {}, left = todo.length;
      fed.onIndex = function (msg) {
        byKey[msg.key].index = Flatbush.from(msg.index);
        if (!--left) { fed.onIndexError = null; mark("workerIndexed"); done(); }
      };
      fed.onIndexError = function () { fed.onIndexError = null; setTimeout(next, 0); };
      todo.forEach(function (l) {
        byKey[l._data.meta.key] = l._data;
        fed.worker.postMessage({key: l._data.meta.key, bbox: l._data.bbox});
      });
      return;
    }
    function next() {
      todo = todo.filter(function (l) { return !l._data.index; });
      if (!todo.length) { done(); return; }
      buildIndex(todo.shift()._data);
      setTimeout(next, 0); // one layer per task: a click waiting in between is answered
    }
    var begun = false;
    function begin() { if (!begun) { begun = true; next(); } }
    requestAnimationFrame(function () { setTimeout(begin, 0); });
    setTimeout(begin, 250); // no frames in a hidden tab
  }

  function pointIn(data, f, mx, my) {
    // even-odd crossings over all rings of the feature (holes included)
    var inside = false, px = 0, py = 0, fx = 0, fy = 0;
    function edge(xi, yi, xj, yj) {
      if ((yi > my) !== (yj > my) && mx < (xj - xi) * (my - yi) / (yj - yi) + xi)
        inside = !inside;
    }
    var started = false;
    eachVertex(data, f, function (x, y, ringStart) {
      if (ringStart) {
        if (started) edge(fx, fy, px, py); // close the ring before
        fx = x; fy = y; started = true;
      } else {
        edge(x, y, px, py);
      }
      px = x; py = y;
    });
    if (started) edge(fx, fy, px, py);
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
      var ids = search(d, mx0 - pad, my1 - size.y / k - pad, mx0 + size.x / k + pad, my1 + pad);
      if (!ids.length) return;
      // one path per fill colour (land use: per class); patches of a few pixels are set
      // straight into the tile's pixels (a county's first view holds ~10⁶ of them)
      var colours = d.color ? s.palette : [s.fillColor || s.color], paths = [];
      for (var c = 0; c < colours.length; c++) paths.push(new Path2D());
      var rgba = colours.map(function (c) { return packed(c, s.fillOpacity); });
      var W = Math.round(size.x * ratio), H = Math.round(size.y * ratio), kr = k * ratio;
      var img = null, px = null;
      var bb = d.bbox, start = d.start, delta = d.delta, q = d.meta.q;
      var ax = (d.meta.ox - mx0) * k, ay = (my1 - d.meta.oy) * k, qk = q * k;
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
        // vertices from the packed steps: pixel = (origin + step sum × quantum − tile) × k
        var x = start[2 * f], y = start[2 * f + 1], s0 = d.stepOff[f];
        for (var r = d.featRing[f]; r < d.featRing[f + 1]; r++) {
          var v0 = d.ringOff[r], v1 = d.ringOff[r + 1];
          if (r > d.featRing[f]) { x += delta[2 * s0]; y += delta[2 * s0 + 1]; s0++; }
          big.moveTo(ax + x * qk, ay - y * qk);
          for (var v = v0 + 1; v < v1; v++, s0++) {
            x += delta[2 * s0]; y += delta[2 * s0 + 1];
            big.lineTo(ax + x * qk, ay - y * qk);
          }
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
      var ids = search(d, mx - tol, my - tol, mx + tol, my + tol);
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
      var out = [];
      eachVertex(this._data, f, function (x, y, ringStart) {
        if (ringStart) out.push([]);
        out[out.length - 1].push(L.CRS.EPSG3857.unproject(L.point(x, y)));
      });
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

  window.ecospacePatches = {
    feed: feed, load: load, mark: mark, PatchLayer: PatchLayer, enableClicks: enableClicks,
    indexAll: indexAll
  };
})();
