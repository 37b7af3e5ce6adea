// Starts Swagger UI on /api/docs: the server's own OpenAPI description, drawn by the vendored
// bundle (static/vendor/swagger-ui), which defines the global SwaggerUIBundle.
const { SwaggerUIBundle } = window;

SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null, // never ask an outside validator
  presets: [SwaggerUIBundle.presets.apis],
});
