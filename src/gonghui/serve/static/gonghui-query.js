// The query page: YASGUI on this server's endpoint, with the example queries as buttons.
// Everything is served locally; remote autocompleters (prefix.cc, LOV) are switched off.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("gonghui-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var remote = ["prefixes", "property", "class"];
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(function (name) {
    return remote.indexOf(name) < 0;
  });
  Yasgui.Yasqe.defaults.value = config.examples[0].query;
  Yasgui.defaults.requestConfig.endpoint = endpoint;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: "gonghui-" + window.location.host,
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
  });
  // YASR shows a literal as a bare text node before its @lang/^^type: isolate that text (<bdi>),
  // so that a bidi override printed in a page cannot reorder the rest of the cell.
  // A result IRI under the data's base (or the ontology's) links to this server's page for it,
  // which answers offline and before the IRIs' own host redirects here.
  function localHref(href) {
    for (var prefix in config.local) {
      if (href.indexOf(prefix) === 0) return config.local[prefix] + href.slice(prefix.length);
    }
    return null;
  }
  new MutationObserver(function () {
    document.querySelectorAll("#yasgui .yasr td a[href]").forEach(function (a) {
      var href = a.getAttribute("href"), local = localHref(href);
      if (local !== null) {
        a.setAttribute("title", href);      // the published IRI, still shown on hover
        a.setAttribute("href", local);
      }
    });
    document.querySelectorAll("#yasgui .yasr td span.nonIri").forEach(function (span) {
      var first = span.firstChild;
      if (first && first.nodeType === Node.TEXT_NODE) {
        var bdi = document.createElement("bdi");
        span.insertBefore(bdi, first);
        bdi.appendChild(first);
      }
    });
  }).observe(document.getElementById("yasgui"), { childList: true, subtree: true });
  // /?query=…: a query a profile page links to ("open in the query page") opens in its own tab.
  var linked = new URLSearchParams(window.location.search).get("query");
  if (linked) {
    yasgui.addTab(true, { name: "Linked query", yasqe: { value: linked },
                          requestConfig: { endpoint: endpoint, method: "POST" } }).show();
  }
  document.querySelectorAll("button[data-example]").forEach(function (button) {
    button.addEventListener("click", function () {
      var example = config.examples[Number(button.getAttribute("data-example"))];
      var tab = yasgui.addTab(true, {
        name: example.title,
        yasqe: { value: example.query },
        requestConfig: { endpoint: endpoint, method: "POST" },
      });
      tab.show();
    });
  });
})();
