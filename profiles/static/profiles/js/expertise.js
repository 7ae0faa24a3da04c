// Expertise autocomplete: suggests existing tags for the last comma-separated
// part of an [data-tag-input] field, from /people/tags/autocomplete. Without
// JavaScript the field is a plain text input and works the same.
(function () {
  "use strict";
  const URL = "/people/tags/autocomplete";

  function attach(input) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    const single = input.hasAttribute("data-single-tag");
    let timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(async function () {
        const parts = single ? [input.value] : input.value.split(",");
        const current = parts[parts.length - 1].trim();
        if (!current) { list.replaceChildren(); return; }
        const response = await fetch(URL + "?q=" + encodeURIComponent(current), {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        const before = parts.slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
        list.replaceChildren(...data.results.map(function (name) {
          const option = document.createElement("option");
          option.value = single ? name : before.concat([name]).join(", ");
          return option;
        }));
      }, 150);
    });
  }

  document.querySelectorAll("[data-tag-input]").forEach(attach);
})();
