// The sandbox page: a small Slack drawn from the fake Slack's state, polled from /sandbox/state.
// Everything a person does goes to the sandbox's JSON API, which sends it to the real app the
// way Slack would. Plain JS, no build step.
"use strict";

const POLL_MS = 600;
const COMMANDS = [
  ["/promise", "QTY SKU [for CUSTOMER] [by DATE] — quote a delivery date"],
  ["/promise", "(alone) open the promise form"],
  ["/promisebot", "help · whoami · roles · role @user ROLE · simulate [90d] [seeds 1,2] (managers)"],
  ["/lead", "log a lead and its follow-up"],
  ["/summit", "the sales–operations summit"],
  ["/capacity", "WC down Thu..Fri \"reason\" · WC 4h DAY · WC overtime Sat 8h · WC back (operations)"],
  ["/supply", "SKU REF moves to 12-10 · SKU REF qty 40 · SKU count 12 (operations)"],
];
const EMOJI = {
  white_check_mark: "✅", x: "❌", warning: "⚠️", factory: "🏭", lock: "🔒", package: "📦",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", no_entry: "⛔", no_entry_sign: "🚫",
  speech_balloon: "💬", question: "❓", left_right_arrow: "↔️", calendar: "📅", date: "📅",
  bar_chart: "📊", chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉",
  bell: "🔔", memo: "📝", wave: "👋", tada: "🎉", rocket: "🚀", eyes: "👀", star: "⭐",
  heavy_check_mark: "✔️", scissors: "✂️", information_source: "ℹ️", rotating_light: "🚨", fire: "🔥",
  handshake: "🤝", telephone_receiver: "📞", email: "📧", alarm_clock: "⏰", pushpin: "📌",
  thumbsup: "👍", "+1": "👍", point_right: "👉", truck: "🚚", hammer_and_wrench: "🛠️",
  spiral_calendar_pad: "🗓️", busts_in_silhouette: "👥", clipboard: "📋", zzz: "💤",
  seedling: "🌱", arrows_counterclockwise: "🔄", inbox_tray: "📥", repeat: "🔁",
  red_circle: "🔴", large_green_circle: "🟢", large_yellow_circle: "🟡", arrow_right: "➡️",
};

const ui = {
  me: localStorage.getItem("sandbox.me") || "U0SAM",
  where: JSON.parse(localStorage.getItem("sandbox.where") || "{}"),  // user -> conversation
  seen: {},              // user:conv -> messages counted as read
  thread: null,           // ts of the open thread
  state: null,
  keys: {},               // region -> last rendered key
  modalValues: {},        // view id -> {action_id: value}
  modalKey: null,
  stepsHidden: localStorage.getItem("sandbox.stepsHidden") === "1",
  busy: 0,
};

const $ = (id) => document.getElementById(id);

// --- talking to the sandbox ---------------------------------------------------------------------

async function api(path, body) {
  ui.busy += 1;
  document.body.classList.add("busy");
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: ui.me, ...body }),
    });
    const data = await response.json().catch(() => ({ ok: false, error: response.statusText }));
    if (!data.ok) toast(data.error || "That did not work.");
    return data;
  } catch (error) {
    toast("The sandbox is not answering: is `promisebot demo` still running?");
    return { ok: false };
  } finally {
    ui.busy -= 1;
    if (!ui.busy) document.body.classList.remove("busy");
    poll();
  }
}

let polling = null;
async function poll() {
  if (polling) return polling;
  polling = (async () => {
    try {
      const response = await fetch(`/sandbox/state?user=${encodeURIComponent(ui.me)}`);
      if (response.ok) {
        const data = await response.json();
        ui.state = data;
        render();
      }
    } catch (error) {
      // The server is gone or restarting; the next poll tries again.
    } finally {
      polling = null;
    }
  })();
  return polling;
}

function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

// --- where the person is ------------------------------------------------------------------------

function here() {
  const s = ui.state;
  const where = ui.where[ui.me];
  if (where === "home" || where === "dm") return where;
  if (s && s.channels.some((c) => c.id === where)) return where;
  return s ? s.channels[0].id : "home";
}

function go(where) {
  ui.where[ui.me] = where;
  localStorage.setItem("sandbox.where", JSON.stringify(ui.where));
  ui.thread = null;
  ui.keys = {};
  if (where === "home") api("/sandbox/home", {});
  render();
  if (where !== "home") $("composer-input").focus();
}

function switchUser(user, where) {
  ui.me = user;
  localStorage.setItem("sandbox.me", user);
  ui.thread = null;
  ui.keys = {};
  ui.modalKey = null;
  if (where) ui.where[user] = where;
  localStorage.setItem("sandbox.where", JSON.stringify(ui.where));
  if (here() === "home") api("/sandbox/home", {});
  poll();
}

function conversationId() {
  const where = here();
  if (where === "home") return null;
  if (where === "dm") return ui.state.dm;
  return where;
}

// --- rendering ----------------------------------------------------------------------------------

function render() {
  const s = ui.state;
  if (!s) return;
  renderOnce("top", JSON.stringify([ui.me, s.as_of, s.people.map((p) => p.language)]), renderTop);
  const where = here();
  const conv = conversationId();
  const messages = conv ? s.conversations[conv] || [] : [];
  for (const id of [...s.channels.map((c) => c.id), s.dm]) {
    // What was there when this person first looked counts as read; news after that is bold.
    const key = `${ui.me}:${id}`;
    if (ui.seen[key] === undefined || id === conv) ui.seen[key] = countAll(s.conversations[id] || []);
  }
  renderOnce("sidebar", JSON.stringify([ui.me, where, unread()]), renderSidebar);
  renderOnce("header", JSON.stringify([ui.me, where]), renderHeader);
  renderOnce("steps", JSON.stringify([ui.me, where, ui.stepsHidden, Boolean(ui.thread), s.first_steps]), renderSteps);
  $("home").hidden = where !== "home";
  $("messages").hidden = where === "home";
  $("composer").hidden = where === "home";
  if (where === "home") {
    renderOnce("home", JSON.stringify([ui.me, s.home]), renderHome);
  } else {
    renderOnce("messages", JSON.stringify([ui.me, conv, messages]), () => renderMessages(messages, `${ui.me}:${conv}`));
  }
  const parent = ui.thread && messages.find((m) => m.ts === ui.thread);
  $("thread").hidden = !parent;
  if (parent) renderOnce("thread", JSON.stringify([ui.me, conv, parent]), () => renderThread(parent));
  renderModal();
}

function renderOnce(region, key, draw) {
  if (ui.keys[region] === key) return;
  ui.keys[region] = key;
  draw();
}

function countAll(messages) {
  return messages.reduce((n, m) => n + 1 + m.replies.length, 0);
}

function unread() {
  const s = ui.state;
  const counts = {};
  for (const id of [...s.channels.map((c) => c.id), s.dm]) {
    const total = countAll(s.conversations[id] || []);
    const seen = ui.seen[`${ui.me}:${id}`];
    counts[id] = seen === undefined ? 0 : Math.max(0, total - seen);
  }
  return counts;
}

function person(id) {
  const s = ui.state;
  if (id === s.bot.id) return { id, name: s.bot.name, real_name: "promisebot", bot: true };
  return s.people.find((p) => p.id === id) || { id, name: id, real_name: id };
}

function renderTop() {
  const s = ui.state;
  const when = new Date(`${s.as_of}T12:00:00Z`).toLocaleDateString("en-GB", {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  });
  $("planning-date").textContent = `Planning date: ${when}`;
  const box = $("people");
  box.replaceChildren(
    ...s.people.map((p) => {
      const button = el("button", {
        class: `person${p.id === ui.me ? " current" : ""}`,
        type: "button",
        title: `Be ${p.real_name} (${p.title})`,
        "data-user": p.id,
        "aria-pressed": String(p.id === ui.me),
      });
      button.append(avatar(p), el("span", { class: "person-name" }, p.real_name.split(" ")[0]),
        el("span", { class: "person-title" }, p.title));
      button.addEventListener("click", () => switchUser(p.id));
      return button;
    }),
  );
  renderLanguage();
}

// The person's language, as promisebot has it; choosing another types
// `/promisebot language X me` in their DM, as a person in Slack would.
function renderLanguage() {
  const s = ui.state;
  const select = $("language");
  const me = person(ui.me);
  $("language-label").textContent = `${me.real_name.split(" ")[0]}'s language`;
  if (select.dataset.user !== ui.me || select.options.length !== s.languages.length) {
    select.replaceChildren(...s.languages.map((l) => el("option", { value: l.code }, l.name)));
    select.dataset.user = ui.me;
  }
  if (document.activeElement !== select) select.value = me.language || "en";
}

$("language").addEventListener("change", async (event) => {
  await api("/sandbox/language", { language: event.target.value });
});

function avatar(p, size) {
  const initials = p.bot ? "pb" : p.real_name.split(" ").map((w) => w[0]).join("").slice(0, 2);
  const box = el("span", { class: `avatar${p.bot ? " bot" : ""}${size ? ` ${size}` : ""}` }, initials);
  box.dataset.user = p.id;
  return box;
}

function renderSidebar() {
  const s = ui.state;
  const where = here();
  const counts = unread();
  const me = person(ui.me);
  const item = (id, label, icon, count) => {
    const a = el("a", {
      href: "#", class: `nav-item${where === id ? " active" : ""}${count ? " unread" : ""}`,
      "data-nav": id,
    });
    a.append(el("span", { class: "nav-icon", "aria-hidden": "true" }, icon), el("span", { class: "nav-label" }, label));
    if (count) a.append(el("span", { class: "badge" }, String(count)));
    a.addEventListener("click", (event) => { event.preventDefault(); go(id); });
    return a;
  };
  $("sidebar").replaceChildren(
    el("div", { class: "me" }, `You are ${me.real_name} · ${me.title}`),
    item("home", "Home", "⌂", 0),
    el("div", { class: "nav-section" }, "Channels"),
    ...s.channels.map((c) => item(c.id, c.name, "#", counts[c.id])),
    el("div", { class: "nav-section" }, "Direct messages"),
    item("dm", "promisebot", "●", counts[s.dm]),
    el("div", { class: "nav-foot" },
      "A local stand-in for Slack: the real promisebot app answers, nothing leaves this machine."),
  );
}

function renderHeader() {
  const s = ui.state;
  const where = here();
  const header = $("conversation-header");
  if (where === "home" || where === "dm") {
    const tabs = el("div", { class: "tabs" });
    for (const [id, label] of [["home", "Home"], ["dm", "Messages"]]) {
      const tab = el("button", { type: "button", class: `tab${where === id ? " active" : ""}` }, label);
      tab.addEventListener("click", () => go(id));
      tabs.append(tab);
    }
    header.replaceChildren(el("h1", {}, avatar(person(s.bot.id), "small"), " promisebot",
      el("span", { class: "app-tag" }, "APP")), tabs);
    $("composer-input").placeholder = "Message promisebot (or type a /command)";
    return;
  }
  const channel = s.channels.find((c) => c.id === where);
  const title = el("h1", {}, `# ${channel.name}`);
  const parts = [title];
  if (where === "C0MGMT") {
    const button = el("button", { type: "button", class: "sandbox-action", id: "post-digest" },
      "📊 Post the digest");
    button.title = "What the Monday job does: build last week's digest and post it here";
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Building the digest…";
      await api("/sandbox/digest", {});
      button.disabled = false;
      button.textContent = "📊 Post the digest";
    });
    parts.push(button);
  }
  header.replaceChildren(...parts);
  $("composer-input").placeholder = `Message #${channel.name} (or type a /command)`;
}

function renderSteps() {
  const s = ui.state;
  const box = $("first-steps");
  box.hidden = ui.stepsHidden || here() === "home" || Boolean(ui.thread);
  if (box.hidden) return;
  const close = el("button", { type: "button", class: "link", title: "Hide the first steps" }, "Hide");
  close.addEventListener("click", () => {
    ui.stepsHidden = true;
    localStorage.setItem("sandbox.stepsHidden", "1");
    render();
  });
  const steps = s.first_steps.map((step, index) => {
    const who = person(step.user);
    const card = el("div", { class: "step" });
    card.append(el("div", { class: "step-title" }, el("span", { class: "step-number" }, String(index + 1)), step.title),
      el("div", { class: "step-text" }, step.text));
    const foot = el("div", { class: "step-foot" });
    if (step.command) foot.append(el("code", { class: "step-command" }, step.command));
    const channel = s.channels.find((c) => c.id === step.channel);
    const label = step.command ? "Type it"
      : `#${channel.name} as ${who.real_name.split(" ")[0]}`;
    const button = el("button", { type: "button", class: "step-go", "data-step": String(index + 1) }, label);
    button.addEventListener("click", () => {
      switchUser(step.user, step.channel);
      ui.keys = {};
      render();
      const input = $("composer-input");
      if (step.command) input.value = step.command;
      input.focus();
    });
    foot.append(button);
    card.append(foot);
    return card;
  });
  box.replaceChildren(
    el("div", { class: "steps-head" }, el("strong", {}, "First steps"),
      el("span", { class: "steps-sub" }, "A week of history is already in: the digest and Home have something to say."),
      close),
    el("div", { class: "steps" }, ...steps),
  );
}

function renderMessages(messages, where) {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80 || renderMessages.where !== where;
  renderMessages.where = where;
  const nodes = [];
  let lastDay = null;
  for (const message of messages) {
    const day = dayOf(message.ts);
    if (day !== lastDay) {
      nodes.push(el("div", { class: "day-divider" }, el("span", {}, day)));
      lastDay = day;
    }
    nodes.push(renderMessage(message, { inThread: false }));
  }
  if (!messages.length) nodes.push(el("div", { class: "empty" }, "No messages yet."));
  box.replaceChildren(...nodes);
  if (atBottom) {
    box.scrollTop = box.scrollHeight;
    for (const image of box.querySelectorAll("img")) {
      image.addEventListener("load", () => { box.scrollTop = box.scrollHeight; });
    }
  }
}

function renderThread(parent) {
  const box = $("thread");
  const close = el("button", { type: "button", class: "link", title: "Close the thread" }, "✕");
  close.addEventListener("click", () => { ui.thread = null; ui.threadShown = null; ui.keys.thread = null; render(); });
  const list = el("div", { class: "thread-messages" }, renderMessage(parent, { inThread: true, parent: true }),
    el("div", { class: "reply-count" }, `${parent.replies.length} ${parent.replies.length === 1 ? "reply" : "replies"}`),
    ...parent.replies.map((r) => renderMessage(r, { inThread: true })));
  const form = el("form", { class: "composer thread-composer", autocomplete: "off" });
  const input = el("input", { type: "text", placeholder: "Reply…", name: "text" });
  form.append(input, el("button", { type: "submit", class: "send", "aria-label": "Reply" }, "➤"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    api("/sandbox/command", { channel: conversationId(), text, thread_ts: parent.ts });
  });
  const old = box.querySelector(".thread-messages");
  const wasAtBottom = !old || old.scrollHeight - old.scrollTop - old.clientHeight < 80;
  const oldTop = old ? old.scrollTop : 0;
  box.replaceChildren(el("div", { class: "thread-head" }, el("strong", {}, "Thread"), close), list, form);
  // Open on the newest reply, as Slack does, and stay there while its images load.
  const stick = ui.threadShown !== parent.ts || wasAtBottom;
  ui.threadShown = parent.ts;
  if (!stick) list.scrollTop = oldTop;
  if (stick) {
    list.scrollTop = list.scrollHeight;
    for (const image of list.querySelectorAll("img")) {
      image.addEventListener("load", () => { list.scrollTop = list.scrollHeight; });
    }
  }
}

function renderMessage(message, options) {
  const who = person(message.user);
  const row = el("div", { class: `message${message.ephemeral ? " ephemeral" : ""}`, "data-ts": message.ts });
  const body = el("div", { class: "message-body" });
  const head = el("div", { class: "message-head" },
    el("span", { class: "author" }, who.real_name));
  if (who.bot) head.append(el("span", { class: "app-tag" }, "APP"));
  head.append(el("span", { class: "time", title: fullTime(message.ts) }, timeOf(message.ts)));
  if (message.edited && !message.ephemeral) head.append(el("span", { class: "edited" }, "(edited)"));
  body.append(head);
  const ctx = { kind: "message", channel: conversationId(), ts: message.ts };
  if (message.blocks && message.blocks.length) {
    body.append(renderBlocks(message.blocks, ctx));
  } else if (message.text) {
    body.append(el("div", { class: "text", html: mrkdwn(message.text) }));
  }
  for (const file of message.files || []) body.append(renderFile(file));
  const reactions = Object.entries(message.reactions || {});
  if (reactions.length) {
    body.append(el("div", { class: "reactions" }, ...reactions.map(([name, users]) =>
      el("span", { class: "reaction" }, `${EMOJI[name] || `:${name}:`} ${users.length}`))));
  }
  if (message.ephemeral) {
    const note = el("div", { class: "only-you" }, "👁 Only visible to you");
    body.append(note);
  }
  if (!options.inThread && message.replies.length) {
    const link = el("a", { href: "#", class: "replies-link" },
      `${message.replies.length} ${message.replies.length === 1 ? "reply" : "replies"}`);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      ui.thread = message.ts;
      ui.keys.thread = null;
      render();
    });
    body.append(link);
  }
  if (!options.inThread && !message.ephemeral) {
    const reply = el("button", { type: "button", class: "hover-action", title: "Reply in thread" }, "💬");
    reply.addEventListener("click", () => { ui.thread = message.ts; ui.keys.thread = null; render(); });
    row.append(reply);
  }
  row.prepend(avatar(who));
  row.append(body);
  return row;
}

function renderFile(file) {
  if ((file.mimetype || "").startsWith("image/")) {
    const figure = el("figure", { class: "file-image" });
    const link = el("a", { href: file.url, target: "_blank", rel: "noopener" });
    link.append(el("img", { src: file.url, alt: file.title || file.name, loading: "lazy" }));
    figure.append(el("figcaption", {}, file.title || file.name), link);
    return figure;
  }
  return el("a", { class: "file", href: file.url, target: "_blank" }, `📎 ${file.title || file.name}`);
}

function renderHome() {
  const home = ui.state.home;
  const box = $("home");
  if (!home) {
    box.replaceChildren(el("div", { class: "empty" }, "Opening promisebot's Home…"));
    return;
  }
  box.replaceChildren(renderBlocks(home.blocks || [], { kind: "view", view_id: home.id }));
}

// --- Block Kit ----------------------------------------------------------------------------------

function renderBlocks(blocks, ctx) {
  const box = el("div", { class: "blocks" });
  blocks.forEach((block, index) => {
    const node = renderBlock(block, index, ctx);
    if (node) box.append(node);
  });
  return box;
}

function renderBlock(block, index, ctx) {
  switch (block.type) {
    case "section": {
      const node = el("div", { class: "b-section" });
      const main = el("div", { class: "b-section-main" });
      if (block.text) main.append(textObject(block.text, "b-text"));
      if (block.fields) {
        main.append(el("div", { class: "b-fields" }, ...block.fields.map((f) => textObject(f, "b-field"))));
      }
      node.append(main);
      if (block.accessory) {
        node.append(el("div", { class: "b-accessory" }, element(block.accessory, index, null, ctx)));
      }
      return node;
    }
    case "divider":
      return el("hr", { class: "b-divider" });
    case "header":
      return el("div", { class: "b-header" }, plain(block.text));
    case "context":
      return el("div", { class: "b-context" }, ...(block.elements || []).map((e) =>
        e.type === "image" ? el("img", { src: e.image_url, alt: e.alt_text || "", class: "b-context-image" })
          : textObject(e, "b-context-text")));
    case "actions":
      return el("div", { class: "b-actions" }, ...(block.elements || []).map((e, i) => element(e, index, i, ctx)));
    case "image": {
      const figure = el("figure", { class: "b-image" });
      if (block.title) figure.append(el("figcaption", {}, plain(block.title)));
      figure.append(el("img", { src: block.image_url || (block.slack_file || {}).url || "", alt: block.alt_text || "" }));
      return figure;
    }
    case "input":
      return renderInput(block, index, ctx);
    case "rich_text":
      return el("div", { class: "b-text" }, richText(block));
    default:
      return el("div", { class: "b-unknown" }, `[${block.type} block]`);
  }
}

function textObject(text, cls) {
  if (!text) return el("span");
  if (text.type === "mrkdwn") return el("div", { class: cls, html: mrkdwn(text.text || "") });
  return el("div", { class: cls }, plain(text));
}

function plain(text) {
  if (!text) return "";
  const value = typeof text === "string" ? text : text.text || "";
  return value.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
}

function richText(block) {
  const parts = [];
  const walk = (node) => {
    if (node.text) parts.push(node.text);
    (node.elements || []).forEach(walk);
  };
  walk(block);
  return parts.join("");
}

function element(e, blockIndex, elementIndex, ctx) {
  const act = (value) => action(ctx, blockIndex, elementIndex, value);
  switch (e.type) {
    case "button": {
      const button = el("button", {
        type: "button",
        class: `b-button${e.style ? ` ${e.style}` : ""}`,
        "data-action": e.action_id,
      }, plain(e.text));
      if (e.url) {
        button.addEventListener("click", () => window.open(e.url, "_blank"));
        return button;
      }
      button.addEventListener("click", async () => {
        if (e.confirm && !(await confirmDialog(e.confirm))) return;
        button.disabled = true;
        await act(null);
        button.disabled = false;
      });
      return button;
    }
    case "static_select":
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
      if (ctx.kind === "modal") return modalSelect(e, blockIndex, elementIndex, ctx);
      return staticSelect(e, (value) => act(value));
    case "overflow":
      return staticSelect({ ...e, placeholder: { text: "⋯" } }, (value) => act(value));
    case "datepicker": {
      const input = el("input", { type: "date", class: "b-date", "data-action": e.action_id });
      if (e.initial_date) input.value = e.initial_date;
      if (ctx.kind === "modal") {
        remember(ctx, e, e.initial_date || null);
        input.addEventListener("change", () => remember(ctx, e, input.value || null, true));
      } else {
        input.addEventListener("change", () => act(input.value || null));
      }
      return input;
    }
    case "image":
      return el("img", { class: "b-accessory-image", src: e.image_url, alt: e.alt_text || "" });
    case "plain_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      return textInput(e, ctx);
    default:
      return el("span", { class: "b-unknown" }, `[${e.type}]`);
  }
}

async function action(ctx, block, elementIndex, value) {
  const body = { block, element: elementIndex, value };
  if (ctx.kind === "message") {
    Object.assign(body, { channel: ctx.channel, ts: ctx.ts });
  } else {
    Object.assign(body, { view_id: ctx.view_id, values: ui.modalValues[ctx.view_id] || {} });
  }
  return api("/sandbox/action", body);
}

function staticSelect(e, onPick) {
  const select = el("select", { class: "b-select", "data-action": e.action_id });
  select.append(el("option", { value: "" }, plain(e.placeholder) || "Select an item"));
  const add = (parent, option) => parent.append(el("option", { value: option.value }, plain(option.text)));
  for (const option of e.options || []) add(select, option);
  for (const group of e.option_groups || []) {
    const g = el("optgroup", { label: plain(group.label) });
    group.options.forEach((o) => add(g, o));
    select.append(g);
  }
  if (e.initial_option) select.value = e.initial_option.value;
  select.addEventListener("change", () => { if (select.value) onPick(select.value); });
  return select;
}

function modalSelect(e, blockIndex, elementIndex, ctx) {
  if (e.type !== "external_select") {
    const select = staticSelect(e, (value) => remember(ctx, e, value, true));
    remember(ctx, e, e.initial_option ? e.initial_option.value : null);
    return select;
  }
  // A typeahead: each keystroke (past min_query_length) is an options request to the app.
  const box = el("div", { class: "typeahead" });
  const input = el("input", {
    type: "text", class: "b-input", "data-action": e.action_id,
    placeholder: plain(e.placeholder) || "Type to search",
  });
  const list = el("ul", { class: "typeahead-list", role: "listbox" });
  list.hidden = true;
  box.append(input, list);
  if (e.initial_option) {
    input.value = plain(e.initial_option.text);
    remember(ctx, e, e.initial_option.value);
  } else {
    remember(ctx, e, null);
  }
  let timer = null;
  let asked = 0;
  const ask = async () => {
    const query = input.value.trim();
    if (query.length < (e.min_query_length ?? 3)) { list.hidden = true; return; }
    const mine = ++asked;
    const answer = await api("/sandbox/options", { view_id: ctx.view_id, block: blockIndex, element: elementIndex, value: query });
    if (mine !== asked) return;
    const options = [...(answer.options || []), ...(answer.option_groups || []).flatMap((g) => g.options)];
    list.replaceChildren(...options.map((option) => {
      const item = el("li", { role: "option", "data-value": option.value }, plain(option.text));
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        input.value = plain(option.text);
        remember(ctx, e, option.value, true);
        list.hidden = true;
      });
      return item;
    }));
    if (!options.length) list.replaceChildren(el("li", { class: "none" }, "No matches"));
    list.hidden = false;
  };
  input.addEventListener("input", () => {
    remember(ctx, e, null);
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 150));
  return box;
}

function textInput(e, ctx) {
  const multiline = e.multiline && e.type === "plain_text_input";
  const input = el(multiline ? "textarea" : "input", {
    class: "b-input", "data-action": e.action_id,
    placeholder: plain(e.placeholder),
    ...(multiline ? { rows: "5" } : { type: "text" }),
    ...(e.type === "number_input" ? { inputmode: e.is_decimal_allowed ? "decimal" : "numeric" } : {}),
  });
  if (e.initial_value !== undefined) input.value = e.initial_value;
  remember(ctx, e, e.initial_value ?? null);
  input.addEventListener("input", () => remember(ctx, e, input.value === "" ? null : input.value, true));
  return input;
}

function remember(ctx, e, value, typed) {
  if (ctx.kind !== "modal") return;
  const values = (ui.modalValues[ctx.view_id] = ui.modalValues[ctx.view_id] || {});
  if (typed || !(e.action_id in values)) values[e.action_id] = value;
  if (typed) {
    const block = document.querySelector(`[data-input-action="${cssEscape(e.action_id)}"]`);
    if (block) {
      block.classList.remove("has-error");
      block.querySelector(".b-error").textContent = "";
    }
  }
}

function renderInput(block, index, ctx) {
  const e = block.element || {};
  const node = el("div", { class: "b-input-block", "data-block": block.block_id || "", "data-input-action": e.action_id || "" });
  const label = el("label", { class: "b-label" }, plain(block.label));
  if (block.optional) label.append(el("span", { class: "optional" }, " (optional)"));
  const control = element(e, index, null, ctx);
  const field = control.matches("input, select, textarea") ? control : control.querySelector("input, select, textarea");
  if (field) {
    field.id = `input-${block.block_id || index}`;
    label.htmlFor = field.id;
  }
  node.append(label, control);
  if (block.hint) node.append(el("div", { class: "b-hint" }, plain(block.hint)));
  node.append(el("div", { class: "b-error", role: "alert" }));
  return node;
}

// --- modals -------------------------------------------------------------------------------------

function renderModal() {
  const s = ui.state;
  const view = s.modal;
  const overlay = $("modal-overlay");
  if (!view) {
    overlay.hidden = true;
    ui.modalKey = null;
    return;
  }
  overlay.hidden = false;
  const key = JSON.stringify([ui.me, view.id, view.hash]);
  if (ui.modalKey !== key) {
    ui.modalKey = key;
    ui.modalErrors = null;
    drawModal(view);
  }
  // The app's errors (response_action "errors") are shown when they change; the page's own
  // required-field errors stay until the person types.
  const errors = JSON.stringify(view.errors || {});
  if (ui.modalErrors !== errors) {
    ui.modalErrors = errors;
    showErrors(view.errors || {});
  }
}

function drawModal(view) {
  const ctx = { kind: "modal", view_id: view.id };
  ui.modalValues[view.id] = {};
  const box = $("modal");
  const title = el("div", { class: "modal-head" }, el("h2", {}, plain(view.title) || "promisebot"));
  const x = el("button", { type: "button", class: "link", "aria-label": "Close" }, "✕");
  x.addEventListener("click", () => closeModal(view));
  title.append(x);
  const form = el("form", { class: "modal-body", novalidate: "" });
  form.append(renderBlocks(view.blocks || [], ctx));
  const foot = el("div", { class: "modal-foot" });
  const cancel = el("button", { type: "button", class: "b-button" }, plain(view.close) || "Cancel");
  cancel.addEventListener("click", () => closeModal(view));
  foot.append(cancel);
  if (view.submit) {
    const submit = el("button", { type: "submit", class: "b-button primary", "data-submit": "1" }, plain(view.submit));
    foot.append(submit);
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!view.submit) return;
    const problems = checkRequired(view);
    showErrors(problems);
    if (Object.keys(problems).length) return;
    const button = form.querySelector("[data-submit]");
    button.disabled = true;
    const answer = await api("/sandbox/submit", { view_id: view.id, values: ui.modalValues[view.id] || {} });
    button.disabled = false;
    if (answer.errors) showErrors(answer.errors);
  });
  form.append(foot);
  box.replaceChildren(title, form);
  const first = box.querySelector("input, textarea, select");
  if (first) first.focus();
}

function checkRequired(view) {
  // Slack checks required inputs in the client before it sends a view_submission.
  const values = ui.modalValues[view.id] || {};
  const problems = {};
  for (const block of view.blocks || []) {
    if (block.type !== "input" || block.optional) continue;
    const e = block.element || {};
    const value = values[e.action_id];
    if (value === null || value === undefined || String(value).trim() === "") {
      problems[block.block_id] = "Please complete this required field.";
    } else if (e.min_length && String(value).length < e.min_length) {
      problems[block.block_id] = `Please write at least ${e.min_length} characters.`;
    } else if (e.type === "number_input" && !/^-?\d+([.,]\d+)?$/.test(String(value).trim())) {
      problems[block.block_id] = "Please enter a number.";
    }
  }
  return problems;
}

function showErrors(errors) {
  for (const node of document.querySelectorAll("#modal .b-input-block")) {
    const message = errors[node.dataset.block];
    node.classList.toggle("has-error", Boolean(message));
    node.querySelector(".b-error").textContent = message || "";
  }
}

async function closeModal(view) {
  await api("/sandbox/close", { view_id: view.id });
}

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const box = $("confirm");
    const overlay = $("confirm-overlay");
    const yes = el("button", { type: "button", class: `b-button ${confirm.style === "danger" ? "danger" : "primary"}` },
      plain(confirm.confirm) || "Yes");
    const no = el("button", { type: "button", class: "b-button" }, plain(confirm.deny) || "Cancel");
    const done = (answer) => { overlay.hidden = true; resolve(answer); };
    yes.addEventListener("click", () => done(true));
    no.addEventListener("click", () => done(false));
    box.replaceChildren(
      el("div", { class: "modal-head" }, el("h2", {}, plain(confirm.title) || "Are you sure?")),
      el("div", { class: "modal-body" }, textObject(confirm.text, "b-text")),
      el("div", { class: "modal-foot" }, no, yes),
    );
    overlay.hidden = false;
    yes.focus();
  });
}

// --- mrkdwn -------------------------------------------------------------------------------------

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function mrkdwn(source) {
  // Slack's <…> tokens (mentions, links, dates) become placeholders first, so that the
  // formatting below never runs inside them; the rest is escaped, then formatted.
  const tokens = [];
  let text = source.replace(/<([^<>]+)>/g, (m, inner) => {
    tokens.push(token(inner));
    return `\u0000${tokens.length - 1}\u0000`;
  });
  const blocksOfCode = [];
  text = escapeHtml(unescapeSlack(text));
  text = text.replace(/```([\s\S]*?)```/g, (m, code) => {
    blocksOfCode.push(`<pre>${code.replace(/^\n/, "")}</pre>`);
    return `\u0001${blocksOfCode.length - 1}\u0001`;
  });
  text = text.replace(/`([^`\n]+)`/g, (m, code) => {
    blocksOfCode.push(`<code>${code}</code>`);
    return `\u0001${blocksOfCode.length - 1}\u0001`;
  });
  text = text
    .replace(/(^|[\s(>\u0000])\*([^*\n]+)\*(?=$|[\s).,:;!?\u0000]|&)/g, "$1<b>$2</b>")
    .replace(/(^|[\s(>\u0000])_([^_\n]+)_(?=$|[\s).,:;!?\u0000])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(>\u0000])~([^~\n]+)~(?=$|[\s).,:;!?\u0000])/g, "$1<s>$2</s>")
    .replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  text = text.split("\n").map((line) =>
    line.startsWith("&gt; ") ? `<span class="quote">${line.slice(5)}</span>` : line).join("\n");
  text = text.replace(/\u0001(\d+)\u0001/g, (m, i) => blocksOfCode[Number(i)]);
  text = text.replace(/\u0000(\d+)\u0000/g, (m, i) => tokens[Number(i)]);
  return text.replace(/\n/g, "<br>");
}

function token(inner) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const who = ui.state ? person(target.slice(1)) : { name: target.slice(1) };
    return `<span class="mention">@${escapeHtml(who.real_name || who.name)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const channel = ui.state && ui.state.channels.find((c) => c.id === id);
    const name = label || (channel ? channel.name : id);
    return `<span class="mention channel">#${escapeHtml(unescapeSlack(name))}</span>`;
  }
  if (target.startsWith("!date^")) {
    const parts = target.split("^");
    const when = new Date(Number(parts[1]) * 1000);
    const shown = isNaN(when) ? unescapeSlack(label || "") : when.toLocaleString("en-GB", {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
      timeZone: (ui.state && ui.state.timezone) || "UTC",
    });
    return `<span class="date">${escapeHtml(shown)}</span>`;
  }
  if (target.startsWith("!")) {
    return `<span class="mention">@${escapeHtml(label || target.slice(1))}</span>`;
  }
  const url = unescapeSlack(target);
  const safe = /^(https?:|mailto:)/.test(url) ? url : "#";
  return `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener">${escapeHtml(unescapeSlack(label || url))}</a>`;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

// --- small helpers ------------------------------------------------------------------------------

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "html") node.innerHTML = value;
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function cssEscape(text) {
  return window.CSS && CSS.escape ? CSS.escape(text) : text.replace(/"/g, '\\"');
}

function zone() {
  return (ui.state && ui.state.timezone) || "UTC";
}

function timeOf(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: zone() });
}

function fullTime(ts) {
  return new Date(Number(ts) * 1000).toLocaleString("en-GB", { timeZone: zone() });
}

function dayOf(ts) {
  const day = new Date(Number(ts) * 1000).toLocaleDateString("en-GB", {
    weekday: "long", day: "numeric", month: "long", timeZone: zone(),
  });
  const today = ui.state && new Date(`${ui.state.as_of}T12:00:00Z`).toLocaleDateString("en-GB", {
    weekday: "long", day: "numeric", month: "long", timeZone: "UTC",
  });
  return day === today ? "Today" : day;
}

// --- the message box ----------------------------------------------------------------------------

function setUpComposer() {
  const form = $("composer");
  const input = $("composer-input");
  const hints = $("command-hints");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    hints.hidden = true;
    const channel = conversationId();
    if (!channel) return;
    api("/sandbox/command", { channel, text });
  });
  input.addEventListener("input", () => {
    const text = input.value;
    if (!text.startsWith("/") || text.includes(" ")) { hints.hidden = true; return; }
    const matches = COMMANDS.filter(([name]) => name.startsWith(text));
    hints.replaceChildren(...matches.map(([name, help]) => {
      const item = el("div", { class: "hint" }, el("strong", {}, name), " ", el("span", {}, help));
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        input.value = `${name} `;
        hints.hidden = true;
        input.focus();
      });
      return item;
    }));
    hints.hidden = !matches.length;
  });
  input.addEventListener("blur", () => setTimeout(() => { hints.hidden = true; }, 150));
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && ui.state && ui.state.modal && $("confirm-overlay").hidden) {
    closeModal(ui.state.modal);
  }
});

setUpComposer();
poll().then(() => { if (here() === "home") api("/sandbox/home", {}); });
setInterval(poll, POLL_MS);
