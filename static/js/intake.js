/* Intake steps: focus the error summary; show a conditional question only while it applies. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  var form = document.querySelector("form[data-intake-step]");
  if (!form) {
    return;
  }
  var wrappers = form.querySelectorAll("[data-show-if]");
  // The no-JavaScript "leave this out" choices are hidden: a checked hidden radio would
  // keep the keyboard out of its group, so leave none checked (the same as no answer).
  form.querySelectorAll(".nojs-only input").forEach(function (input) {
    input.checked = false;
  });

  function answers(code) {
    var values = [];
    form.querySelectorAll("[name='" + code + "']").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked && input.value) {
          values.push(input.value);
        }
      } else if (input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function holds(wrapper) {
    var values = answers(wrapper.dataset.showIf);
    var op = wrapper.dataset.showOp;
    var expected = wrapper.dataset.showValue;
    if (op === "contains") {
      return values.indexOf(expected) !== -1;
    }
    if (values.length === 0) {
      return false;
    }
    return op === "equals" ? values[0] === expected : values[0] !== expected;
  }

  function clear(wrapper) {
    wrapper.querySelectorAll("input, textarea, select").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = false;
      } else {
        input.value = "";
      }
    });
  }

  function update() {
    wrappers.forEach(function (wrapper) {
      var show = holds(wrapper);
      if (!show && !wrapper.hidden) {
        clear(wrapper);
      }
      wrapper.hidden = !show;
    });
  }

  form.addEventListener("change", update);
  update();
})();
