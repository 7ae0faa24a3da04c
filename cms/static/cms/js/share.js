// The share form: the chosen network's suggested text (unless the member has
// written their own), a character counter for X, and the text copied to the
// clipboard for LinkedIn and Facebook, whose share windows take only the link.
(function () {
  const form = document.querySelector("[data-share-form]");
  if (!form) return;
  const text = form.querySelector("textarea[name=text]");
  const count = document.getElementById("share-count");
  const limit = parseInt(form.dataset.xLimit, 10);
  let suggestion = text.value;

  function network() {
    const checked = form.querySelector("input[name=network]:checked");
    return checked ? checked.value : "";
  }

  function update() {
    if (network() === "x") {
      const left = limit - text.value.length;
      const template = left >= 0 ? form.dataset.left : form.dataset.over;
      count.textContent = template.replace("{n}", String(Math.abs(left)));
      count.classList.toggle("share-count--over", left < 0);
    } else {
      count.textContent = "";
    }
  }

  form.querySelectorAll("input[name=network]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (text.value === suggestion) {
        text.value = radio.dataset.suggested;
      }
      suggestion = radio.dataset.suggested;
      update();
    });
  });
  text.addEventListener("input", update);
  form.addEventListener("submit", function (event) {
    if (network() === "x" && text.value.length > limit) {
      event.preventDefault();
      text.focus();
      return;
    }
    if ((network() === "linkedin" || network() === "facebook") && navigator.clipboard) {
      navigator.clipboard.writeText(text.value).catch(function () {});
    }
  });
  update();
})();
