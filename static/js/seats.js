// Progressive enhancement for the seat picker: one passenger's cabin plan at a time, chosen
// from a list of buttons that also shows each passenger's seat, and a seat picked for one passenger is not offered to the others.
// Without this file every passenger's plan is shown and the server refuses a double booking.
(function () {
  "use strict";

  document.querySelectorAll("form[data-seat-picker]").forEach(function (form) {
    var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-passenger]"));
    if (groups.length === 0) return;

    function chosen(group) {
      var input = group.querySelector("input[type=radio]:checked");
      return input ? input.value : "";
    }

    // Seats the server marked taken (data-taken) stay disabled whatever happens here.
    function offerFreeSeats() {
      groups.forEach(function (group) {
        var others = groups.filter(function (g) { return g !== group; }).map(chosen);
        group.querySelectorAll("input[type=radio]:not([data-taken])").forEach(function (input) {
          input.disabled = others.indexOf(input.value) !== -1;
        });
      });
    }

    var buttons = [];
    function show(index) {
      groups.forEach(function (group, i) { group.hidden = i !== index; });
      buttons.forEach(function (button, i) { button.setAttribute("aria-pressed", String(i === index)); });
    }
    function label(group) {
      var seat = chosen(group);
      return group.dataset.passenger + " · " + (seat || "no seat");
    }

    var tabs = form.querySelector("[data-seat-tabs]");
    if (tabs && groups.length > 1) {
      tabs.className = "seat-tabs";
      tabs.setAttribute("role", "group");
      tabs.setAttribute("aria-label", "Passenger");
      groups.forEach(function (group, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = label(group);
        button.addEventListener("click", function () { show(index); });
        tabs.appendChild(button);
        buttons.push(button);
      });
      show(0);
    }

    form.addEventListener("change", function (event) {
      var group = event.target.closest("fieldset[data-passenger]");
      if (!group) return;
      var index = groups.indexOf(group);
      if (buttons[index]) buttons[index].textContent = label(group);
      offerFreeSeats();
    });
    offerFreeSeats();
  });
})();
