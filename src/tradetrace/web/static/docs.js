// Starts Swagger UI (vendored) on the OpenAPI document of this server.
(function () {
  var el = document.getElementById("swagger-ui");
  if (!el || typeof SwaggerUIBundle === "undefined") { return; }
  SwaggerUIBundle({ url: el.getAttribute("data-url"), dom_id: "#swagger-ui" });
})();
