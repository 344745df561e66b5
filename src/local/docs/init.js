// Starts Swagger UI on the gateway's own OpenAPI document (a file, so the page needs no inline script).
window.addEventListener('load', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: true,
  });
});
