// Progressive enhancement for the search pages: airport suggestions while typing, and
// filters that apply as soon as they change. Everything works without this file.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  document.querySelectorAll("input[data-airport]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) return;
      fetch("/api/v1/airports/?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          list.replaceChildren.apply(list, data.results.map(function (a) {
            var option = document.createElement("option");
            option.value = a.iata_code;
            option.label = a.city + " — " + a.name + " (" + a.iata_code + ")";
            option.textContent = option.label;
            return option;
          }));
        })
        .catch(function () { /* suggestions are a nicety; typing a code still works */ });
    }, 150));
  });

  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var airlines = form.querySelector("[data-airlines-value]");
    function syncAirlines() {
      if (!airlines) return;
      var chosen = Array.prototype.filter.call(form.querySelectorAll("[data-airline]"), function (box) {
        return box.checked;
      }).map(function (box) { return box.value; });
      airlines.value = chosen.join(",");
      airlines.disabled = chosen.length === 0;
    }
    syncAirlines();
    form.addEventListener("change", function () { syncAirlines(); form.requestSubmit(); });
    form.addEventListener("submit", syncAirlines);
  });
})();
