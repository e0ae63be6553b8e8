// The network explorer of tradetrace's web app. The page works without it (it lists the ties in a
// table); with it, the ties are drawn with Cytoscape.js and can be opened node by node.
// Data comes from /api/network/expand and /api/network/path; text from the data is only ever
// given to Cytoscape as data or written with textContent.
(function () {
  "use strict";
  var box = document.getElementById("network");
  if (!box || typeof cytoscape === "undefined") { return; }
  var api = box.getAttribute("data-api") || "/api/network";
  var start = box.getAttribute("data-start");
  var statusEl = document.getElementById("network-status");
  var selection = document.getElementById("network-selection");
  var filters = document.getElementById("network-filters");
  var pathForm = document.getElementById("path-form");
  var CAP = 25;

  function say(text) { if (statusEl) { statusEl.textContent = text; } }

  var cy = cytoscape({
    container: box,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 140,
        "text-valign": "bottom", "text-margin-y": 4, "background-color": "#1f4e79", "width": 18, "height": 18 } },
      { selector: "node.person", style: { "shape": "ellipse", "background-color": "#16a085" } },
      { selector: "node.company", style: { "shape": "round-rectangle" } },
      { selector: "node.listed", style: { "background-color": "#c0392b", "border-width": 2, "border-color": "#7b241c" } },
      { selector: "node.start", style: { "width": 28, "height": 28, "border-width": 3, "border-color": "#f1c40f" } },
      { selector: "node.more", style: { "shape": "round-tag", "background-color": "#7f8c8d", "font-style": "italic" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#e67e22" } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#95a5a6", "curve-style": "bezier", "target-arrow-shape": "triangle",
        "target-arrow-color": "#95a5a6", "label": "data(short)", "font-size": 8, "text-rotation": "autorotate",
        "color": "#555" } },
      { selector: "edge.register", style: { "line-color": "#8e44ad", "target-arrow-color": "#8e44ad", "width": 2.5 } },
      { selector: "edge.payment", style: { "line-color": "#e67e22", "target-arrow-color": "#e67e22" } },
      { selector: ".path", style: { "line-color": "#f1c40f", "target-arrow-color": "#f1c40f", "width": 5,
        "border-width": 4, "border-color": "#f1c40f" } }
    ]
  });

  function currentFilters() {
    var params = new URLSearchParams();
    if (!filters) { return params; }
    var kinds = [];
    filters.querySelectorAll("input[name=kind]").forEach(function (el) { if (el.checked) { kinds.push(el.value); } });
    var all = filters.querySelectorAll("input[name=kind]").length;
    if (kinds.length && kinds.length < all) { params.set("kinds", kinds.join(",")); }
    if (!kinds.length) { params.set("kinds", "none"); }
    ["since", "until"].forEach(function (name) {
      var el = filters.querySelector("input[name=" + name + "]");
      if (el && el.value) { params.set(name, el.value); }
    });
    return params;
  }

  function getJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) {
            var detail = body && body.detail;
            throw new Error(typeof detail === "string" ? detail : ("HTTP " + r.status));
          }
          if (body.stale) { say("Workspace busy (" + body.stale.busy + "); showing the state read at " + body.stale.since); }
          return body.data;
        });
      });
  }

  function addNode(n, extra) {
    if (cy.getElementById(n.id).nonempty()) { return; }
    var classes = [n.kind || "unknown"];
    if (n.listed) { classes.push("listed"); }
    if (n.id === start) { classes.push("start"); }
    if (extra) { classes.push(extra); }
    cy.add({ group: "nodes", data: { id: n.id, label: n.label, info: n }, classes: classes.join(" ") });
  }

  function addEdge(e) {
    if (cy.getElementById(e.id).nonempty()) { return; }
    var register = e.kind !== "trade" && e.kind !== "payment";
    cy.add({ group: "edges", data: { id: e.id, source: e.source, target: e.target, info: e,
      short: register ? e.kind : "" }, classes: (register ? "register " : "") + e.kind });
  }

  function layout() {
    cy.layout({ name: "cose", animate: false, randomize: true, nodeRepulsion: function () { return 600000; },
      idealEdgeLength: function () { return 140; }, nodeOverlap: 40, gravity: 0.2, numIter: 1500, padding: 30 }).run();
  }

  function expand(nodeId, offset) {
    var params = currentFilters();
    params.set("node", nodeId);
    params.set("cap", String(CAP));
    params.set("offset", String(offset || 0));
    say("Opening…");
    return getJSON(api + "/expand?" + params.toString()).then(function (data) {
      addNode(data.node);
      data.nodes.forEach(function (n) { addNode(n); });
      data.edges.forEach(addEdge);
      var moreId = "more:" + nodeId;
      cy.remove(cy.getElementById(moreId));
      if (data.more > 0) {
        cy.add({ group: "nodes", data: { id: moreId, label: data.more + " more", owner: nodeId, next: data.next_offset },
          classes: "more" });
        cy.add({ group: "edges", data: { id: moreId + ":e", source: nodeId, target: moreId, short: "" } });
      }
      layout();
      say(data.total + " ties of " + data.node.label + (data.more > 0 ? ", " + data.more + " not shown yet" : ""));
    }).catch(function (err) { say("Could not open: " + err.message); });
  }

  function show(node) {
    if (!selection) { return; }
    while (selection.firstChild) { selection.removeChild(selection.firstChild); }
    var info = node.data("info");
    if (!info) { return; }
    function item(text) { var li = document.createElement("li"); li.textContent = text; selection.appendChild(li); return li; }
    item(info.label);
    item((info.kind || "") + (info.country ? ", " + info.country : "") + (info.listed ? ", listed" : ""));
    var li = item("");
    var a = document.createElement("a");
    a.href = info.url;
    a.textContent = "Open the entity page";
    li.appendChild(a);
  }

  cy.on("tap", "node", function (evt) {
    var node = evt.target;
    if (node.hasClass("more")) { expand(node.data("owner"), node.data("next")); return; }
    show(node);
    expand(node.id(), 0);
  });

  if (filters) {
    filters.addEventListener("submit", function (evt) {
      evt.preventDefault();
      cy.elements().remove();
      expand(start, 0);
    });
  }

  if (pathForm) {
    pathForm.addEventListener("submit", function (evt) {
      evt.preventDefault();
      var a = pathForm.querySelector("input[name=a]").value.trim();
      var b = pathForm.querySelector("input[name=b]").value.trim();
      if (!a || !b) { say("Give two entity ids."); return; }
      var params = currentFilters();
      params.delete("since"); params.delete("until");
      params.set("a", a); params.set("b", b);
      say("Looking for a path…");
      getJSON(api + "/path?" + params.toString()).then(function (data) {
        cy.elements().removeClass("path");
        if (!data.found) { say(data.message); return; }
        data.nodes.forEach(function (n) { addNode(n); });
        data.edges.forEach(addEdge);
        data.nodes.forEach(function (n) { cy.getElementById(n.id).addClass("path"); });
        data.edges.forEach(function (e) { cy.getElementById(e.id).addClass("path"); });
        layout();
        say(data.message.split("\n")[0]);
      }).catch(function (err) { say("No path: " + err.message); });
    });
  }

  // keyboard: the selection list gets focus; Enter on the diagram opens the selected node
  box.setAttribute("tabindex", "0");
  box.addEventListener("keydown", function (evt) {
    if (evt.key !== "Enter") { return; }
    var picked = cy.$("node:selected");
    if (picked.nonempty()) { expand(picked[0].id(), 0); }
  });

  window.tradetraceNetwork = cy;  // for the browser tests and the curious
  expand(start, 0);
})();
