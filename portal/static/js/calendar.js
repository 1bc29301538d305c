// Moving an item of the week grid (issue 17) by dragging it by its time (mouse, pen or touch),
// or with Alt and an arrow key (a quarter hour up or down, a day left or right); in the day's
// view by room, dropped in another room's column, a session moves there too. Every move
// fills and sends the item's own move form, so that it goes through the server's one clash
// check; a refusal answers in that form, which is opened to show it. No framework; under the
// CSP (a file of the site, no inline code; CSSOM styles only while dragging).
(function () {
  "use strict";

  var SLOT = 15; // minutes in a row of the grid
  var DAY = 24 * 60;
  var lastMoved = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmm(minutes) { return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60); }
  // The item's times are ISO strings in Kazakhstan time: "2026-11-23T10:00:00+05:00".
  function minutesOf(iso) { return +iso.slice(11, 13) * 60 + +iso.slice(14, 16); }
  function shiftDay(day, days) {
    var d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function move(item, day, start, room) {
    var prefix = "move-" + item.id.replace(/^item-/, "");
    var form = document.querySelector("#" + prefix + " form");
    var length = minutesOf(item.dataset.ends) - minutesOf(item.dataset.starts);
    if (!form || length <= 0) return;
    start = Math.max(0, Math.min(DAY - length, Math.round(start / SLOT) * SLOT));
    document.getElementById(prefix + "-on").value = day;
    document.getElementById(prefix + "-starts").value = hhmm(start);
    document.getElementById(prefix + "-ends").value = hhmm(start + length);
    var rooms = document.getElementById(prefix + "-room"); // sessions only
    if (rooms && room !== undefined) rooms.value = room;
    var details = form.closest("details");
    if (details) details.open = true; // a refusal is written in the form: let it be seen
    lastMoved = item.id;
    form.requestSubmit();
  }

  // --- The keyboard ---------------------------------------------------------------------
  document.addEventListener("keydown", function (evt) {
    if (!evt.altKey || evt.key.indexOf("Arrow") !== 0) return;
    var item = evt.target.closest && evt.target.closest(".grid-item[data-movable]");
    if (!item) return;
    evt.preventDefault();
    var day = item.dataset.starts.slice(0, 10);
    var start = minutesOf(item.dataset.starts);
    if (evt.key === "ArrowUp") start -= SLOT;
    else if (evt.key === "ArrowDown") start += SLOT;
    else if (evt.key === "ArrowLeft") day = shiftDay(day, -1);
    else if (evt.key === "ArrowRight") day = shiftDay(day, 1);
    move(item, day, start);
  });

  // --- Dragging ---------------------------------------------------------------------------
  var drag = null;

  document.addEventListener("pointerdown", function (evt) {
    var handle = evt.target.closest && evt.target.closest(".grid-item[data-movable] .grid-when");
    if (!handle || evt.button !== 0) return;
    var item = handle.closest(".grid-item");
    drag = { item: item, x: evt.clientX, y: evt.clientY,
             offset: evt.clientY - item.getBoundingClientRect().top };
    handle.setPointerCapture(evt.pointerId);
    item.classList.add("dragging");
    evt.preventDefault();
  });

  document.addEventListener("pointermove", function (evt) {
    if (!drag) return;
    drag.item.style.transform =
      "translate(" + (evt.clientX - drag.x) + "px, " + (evt.clientY - drag.y) + "px)";
  });

  function drop(evt) {
    if (!drag) return;
    var item = drag.item, offset = drag.offset, moved = evt.clientX !== drag.x || evt.clientY !== drag.y;
    drag = null;
    item.style.transform = "";
    item.classList.remove("dragging"); // (it let the pointer see the column under it)
    if (evt.type !== "pointerup" || !moved) return;
    var under = document.elementFromPoint(evt.clientX, evt.clientY);
    var column = under && under.closest(".grid-day[data-day]");
    if (!column) return;
    var rect = column.getBoundingClientRect();
    var row = (evt.clientY - offset - rect.top) / (rect.height / +column.dataset.rows);
    move(item, column.dataset.day, +column.dataset.first * 60 + Math.round(row) * SLOT,
         column.dataset.room);
  }
  document.addEventListener("pointerup", drop);
  document.addEventListener("pointercancel", drop);

  // After the grid is drawn again, the moved item keeps the keyboard's focus.
  document.addEventListener("htmx:after:settle", function () {
    if (!lastMoved) return;
    var item = document.getElementById(lastMoved);
    var link = item && item.querySelector(".grid-title");
    if (link) link.focus();
  });
})();
