// The newsqa page: a thin client of the HTTP API.
// Article text is data, never markup: every node is built with textContent, and only http(s)
// addresses become links. Nothing here uses innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
const CITE_MARKER = /\[(\d+)\]/g;
const ASK_CITES = "cite";
const NEWS_CITES = "news-cite";
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function titleLink(title, url) {
  const href = safeUrl(url);
  const text = title || "(untitled)";
  if (!href) return el("span", { class: "title" }, text);
  return el("a", { class: "title", href, target: "_blank", rel: "noopener noreferrer" }, text);
}

function byline(source, published) {
  return el("span", { class: "byline" }, [source, published || "undated"].filter(Boolean).join(" · "));
}

async function failure(response) {
  const body = await response.json().catch(() => null);
  const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
  return new Error(detail || `HTTP ${response.status}`);
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

function writeHeaders(extra = {}) {
  const token = $("token").value.trim();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

function setStatus(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle("error", isError);
}

// Asking, in a conversation: each answer carries the id the next question is sent with.

let conversationId = null;
let shown = null; // the answer in #result, which moves up into the thread when the next comes

function question() {
  const body = { question: $("question").value.trim(), conversation_id: conversationId || "new" };
  for (const [field, id] of [["since", "since"], ["until", "until"], ["as_of", "as-of"], ["model", "model"]]) {
    const value = $(id).value.trim();
    if (value) body[field] = value;
  }
  if ($("k").value) body.k = Number($("k").value);
  if ($("source").value) body.source = [$("source").value];
  return body;
}

async function ask(event) {
  event.preventDefault();
  const body = question();
  if (!body.question) return;
  $("ask").disabled = true;
  setStatus($("status"), "Reading the articles…");
  try {
    if (shown) addTurn(shown);
    shown = null;
    $("asked").textContent = body.question;
    $("searched-for").hidden = true;
    const answer = await streamAnswer(body, showDraft);
    conversationId = answer.conversation_id;
    shown = answer;
    showAnswer(answer);
    $("question").value = "";
    setStatus($("status"), answer.abstained ? "No answer in the articles." : "Answered.");
    $("result-heading").focus({ preventScroll: false });
  } catch (error) {
    $("result").hidden = true;
    setStatus($("status"), error.message, true);
  } finally {
    $("ask").disabled = false;
  }
}

// The answer as server-sent events: `text` pieces while the model writes, then `answer`.
async function streamAnswer(body, onText) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    for (const item of [].concat(value)) params.append(name, String(item));
  }
  const response = await fetch(`/api/ask/stream?${params}`, { headers: { Accept: "text/event-stream" } });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let written = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server stopped before the answer was complete");
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event.kind === "answer") return event.data;
      if (event.kind === "error") throw new Error(event.data.detail);
      if (event.kind === "text") onText((written += event.data.text));
    }
  }
}

function parseEvent(block) {
  let kind = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event: ")) kind = line.slice(7);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
  }
  return { kind, data: JSON.parse(data.join("\n")) };
}

function showDraft(text) {
  $("result").hidden = false;
  $("abstained").hidden = true;
  $("answer-text").hidden = false;
  $("answer-text").textContent = text;
  $("answer-meta").textContent = "writing…";
  $("citations-heading").hidden = true;
  $("citations").replaceChildren();
  $("passages").replaceChildren();
}

// An earlier turn of the conversation: the question, what was searched, the answer and the
// titles of its sources; the newest turn is the answer below it.
function addTurn(answer) {
  const sources = answer.citations.map((c) => el("li", {}, titleLink(c.title, c.url), " ",
    byline(c.source, c.published)));
  $("turns").append(el("li", { class: "turn" },
    el("p", { class: "asked" }, answer.question),
    ...searchedNodes(answer),
    el("p", { class: "answer" }, answer.abstained ? "The articles do not answer this question."
      : answer.answer.replace(CITE_MARKER, "").trim()),
    el("ul", { class: "turn-sources" }, ...sources)));
  $("thread").hidden = false;
}

function searchedNodes(answer) {
  const rewritten = answer.searched_for && answer.searched_for !== answer.question;
  return rewritten ? [el("p", { class: "searched" }, `searched for: ${answer.searched_for}`)] : [];
}

function newThread() {
  conversationId = null;
  shown = null;
  $("turns").replaceChildren();
  $("thread").hidden = true;
  $("result").hidden = true;
  setStatus($("status"), "A new conversation.");
  $("question").focus();
}

function showAnswer(answer) {
  $("result").hidden = false;
  $("asked").textContent = answer.question;
  const searched = searchedNodes(answer);
  $("searched-for").hidden = searched.length === 0;
  $("searched-for").textContent = searched.length ? searched[0].textContent : "";
  $("result").classList.toggle("is-abstained", answer.abstained);
  $("abstained").hidden = !answer.abstained;
  $("answer-text").hidden = answer.abstained;
  $("answer-text").replaceChildren(...answerParagraphs(answer));
  const seconds = ((answer.timings_ms && answer.timings_ms.total) || 0) / 1000;
  $("answer-meta").textContent = `${answer.model} · ${seconds.toFixed(2)} s`;
  $("citations-heading").hidden = answer.citations.length === 0;
  const shortCites = firstMarker(answer.answer);
  $("citations").replaceChildren(
    ...answer.citations.map((c) => citationItem(c, c.n === shortCites ? answer.short_answer : null)),
  );
  $("passages-summary").textContent = `Passages read (${answer.passages.length})`;
  $("passages").replaceChildren(...answer.passages.map(passageItem));
}

// A brief-shaped answer is a paragraph per story, split on blank lines; the short answer can only
// open the first.
function answerParagraphs(answer) {
  return answer.answer.split(/\n\s*\n/).map((part, i) =>
    el("p", {}, ...answerNodes(part, answer.citations, i === 0 ? answer.short_answer : null)));
}

// The answer with its citations as links into `list`; the short answer it opens with stands out.
function answerNodes(text, citations, short, list = ASK_CITES) {
  const cited = new Set(citations.map((c) => c.n));
  const nodes = [];
  let last = 0;
  if (short && text.startsWith(short)) {
    nodes.push(el("strong", { class: "short-answer" }, short));
    last = short.length;
  }
  for (const match of text.matchAll(CITE_MARKER)) {
    if (match.index < last) continue;
    nodes.push(document.createTextNode(text.slice(last, match.index)));
    const n = Number(match[1]);
    nodes.push(cited.has(n) ? citeLink(n, list) : document.createTextNode(match[0]));
    last = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

// A citation marker; `list` names the sources list it points into (the answer's or the brief's).
function citeLink(n, list = ASK_CITES) {
  const link = el("a", { class: "cite", href: `#${list}-${n}`, "aria-label": `source ${n}` }, `[${n}]`);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    highlight(n, list);
  });
  return link;
}

function highlight(n, list) {
  for (const item of document.querySelectorAll(".citations .highlighted")) {
    item.classList.remove("highlighted");
  }
  const target = $(`${list}-${n}`);
  target.classList.add("highlighted");
  target.scrollIntoView({ behavior: "smooth", block: "center" });
  target.focus({ preventScroll: true });
}

function firstMarker(text) {
  const match = /\[(\d+)\]/.exec(text);
  return match ? Number(match[1]) : null;
}

// A cited passage; the short answer, where it stands in this passage, highlighted.
function citationItem(citation, short, list = ASK_CITES) {
  return el(
    "li",
    { id: `${list}-${citation.n}`, tabindex: "-1", value: String(citation.n) },
    el("div", { class: "source-line" }, titleLink(citation.title, citation.url), " ",
      byline(citation.source, citation.published)),
    el("blockquote", { class: "passage" }, ...marked(citation.text, short)),
  );
}

// A short answer given in full ("Ilse Dunmore") may stand in this passage by its short form
// ("Dunmore"): then the longest capitalised ending of its words that does is marked.
function marked(text, needle) {
  const words = needle ? needle.split(/\s+/) : [];
  for (let first = 0; first < words.length; first++) {
    const part = words.slice(first).join(" ");
    if (first > 0 && !/^\p{Lu}/u.test(part)) continue;
    const at = first === 0 ? text.toLowerCase().indexOf(part.toLowerCase()) : text.indexOf(part);
    if (at < 0) continue;
    const end = at + part.length;
    return [text.slice(0, at), el("mark", { class: "short-answer" }, text.slice(at, end)), text.slice(end)];
  }
  return [text];
}

function passageItem(passage) {
  const outlets = passage.sources && passage.sources.length ? passage.sources.join(", ") : passage.source;
  return el(
    "li",
    {},
    el("div", { class: "source-line" }, titleLink(passage.title, passage.url), " ",
      byline(outlets, passage.published)),
    el("blockquote", { class: "passage" }, passage.text),
  );
}

// Briefs and timelines: the stories about a topic, their lines citing the sources listed below.

async function showNews(kind) {
  if (!$("brief-form").reportValidity()) return;
  const params = new URLSearchParams({ topic: $("topic").value.trim() });
  if ($("brief-since").value.trim()) params.set("since", $("brief-since").value.trim());
  setNewsBusy(true);
  setStatus($("news-status"), "Reading the stories…");
  try {
    const made = await api(`/api/${kind}?${params}`);
    const shown = kind === "brief" ? made.stories.map((story) => storyItem(story, made.citations)) : timelineNodes(made);
    const count = kind === "brief" ? made.stories.length : made.events.length;
    $("news-body").replaceChildren(...(count ? shown : []));
    $("news-note").hidden = !made.note;
    $("news-note").textContent = made.note || "";
    $("news-citations-heading").hidden = made.citations.length === 0;
    $("news-citations").replaceChildren(...made.citations.map((c) => citationItem(c, null, NEWS_CITES)));
    $("news-result").hidden = false;
    setStatus($("news-status"), kind === "brief" ? counted(count, "story", "stories")
      : `${counted(count, "event", "events")}, oldest first.`);
  } catch (error) {
    $("news-result").hidden = true;
    setStatus($("news-status"), error.message, true);
  } finally {
    setNewsBusy(false);
  }
}

function setNewsBusy(busy) {
  $("brief").disabled = busy;
  $("timeline").disabled = busy;
}

function counted(n, one, many) {
  return n ? `${n} ${n === 1 ? one : many}` : `No ${many}`;
}

function daySaid(published) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(published || "");
  return match ? `${Number(match[3])} ${MONTHS[Number(match[2]) - 1]} ${match[1]}` : "undated";
}

function cites(numbers) {
  return numbers.flatMap((n) => [" ", citeLink(n, NEWS_CITES)]);
}

// A story: its headline, dates, outlets, the summary the server's answer model wrote (if it has
// one), what happened, and the figures its articles differ on.
function storyItem(story, citations) {
  const days = [...new Set([story.first_published, story.last_published].filter(Boolean))];
  const about = [
    days.length ? days.map(daySaid).join(" – ") : "undated",
    story.outlets.join(", ") || "outlet unknown",
    counted(story.articles.length, "article", "articles"),
  ];
  const articles = story.articles.map((a) =>
    el("li", {}, titleLink(a.title, a.url), " ", byline(a.outlets.join(", "), a.published)));
  return el(
    "article",
    { class: "story" },
    el("h3", {}, story.headline),
    el("p", { class: "meta" }, about.join(" · ")),
    story.summary ? el("p", { class: "summary" }, ...answerNodes(story.summary, citations, null, NEWS_CITES))
      : null,
    el("ul", { class: "story-lines" }, ...story.lines.map((line) =>
      el("li", {}, el("span", { class: "when" }, `${daySaid(line.published)}: `), line.text,
        ...cites(line.cited)))),
    ...story.disagreements.map(differItem),
    el("details", {}, el("summary", {}, "Its articles"), el("ul", { class: "sources" }, ...articles)),
  );
}

// "Figures differ on cost: £3.2 million (Harrowgate Herald, 6 February 2025) [2]; ...".
function differItem(disagreement) {
  const figures = disagreement.figures.flatMap((figure, i) => {
    const where = [figure.source, figure.published && daySaid(figure.published)].filter(Boolean);
    return [i ? "; " : "", el("strong", {}, figure.text), where.length ? ` (${where.join(", ")})` : "",
      ...cites([figure.cited])];
  });
  return el("p", { class: "differ" }, `Figures differ on ${disagreement.what}: `, ...figures);
}

function timelineNodes(timeline) {
  const events = timeline.events.map((event) => el(
    "li",
    {},
    el("span", { class: "when" }, daySaid(event.published)),
    el("div", {}, event.line.text, ...cites(event.line.cited)),
    el("div", { class: "byline" }, event.outlets.join(", ") || "outlet unknown"),
  ));
  return [el("ol", { class: "events" }, ...events), ...timeline.disagreements.map(differItem)];
}

// The store

async function loadSources() {
  try {
    const sources = await api("/api/sources");
    $("store-notice").hidden = true;
    setStatus($("library-status"), `${sources.length} article${sources.length === 1 ? "" : "s"}.`);
    $("sources").replaceChildren(...sources.map(sourceItem));
    fillOutlets(sources);
  } catch (error) {
    $("sources").replaceChildren();
    setStatus($("library-status"), error.message, true);
    $("store-notice").hidden = false;
    $("store-notice").textContent = `Nothing to ask yet: ${error.message}. Add articles below.`;
  }
}

function sourceItem(source) {
  const remove = el("button", { type: "button", class: "remove", "aria-label": `Remove ${source.title}` }, "Remove");
  remove.addEventListener("click", () => removeSource(source));
  const outlets = [source.source, ...source.also_in.map((copy) => copy.source)].filter(Boolean).join(", ");
  return el("li", {}, titleLink(source.title, source.url), " ", byline(outlets, source.published), " ", remove);
}

function fillOutlets(sources) {
  const chosen = $("source").value;
  const outlets = new Set();
  for (const source of sources) {
    for (const name of [source.source, ...source.also_in.map((copy) => copy.source)]) {
      if (name) outlets.add(name);
    }
  }
  const options = [...outlets].sort().map((name) => el("option", { value: name }, name));
  $("source").replaceChildren(el("option", { value: "" }, "Any outlet"), ...options);
  $("source").value = outlets.has(chosen) ? chosen : "";
}

async function removeSource(source) {
  if (!window.confirm(`Remove “${source.title || source.id}” from the store?`)) return;
  try {
    await api(`/api/sources/${encodeURIComponent(source.id)}`, { method: "DELETE", headers: writeHeaders() });
    await loadSources();
  } catch (error) {
    $("add").open = true;
    setStatus($("job-status"), error.message, true);
  }
}

async function addArticles(event) {
  event.preventDefault();
  const file = $("upload").files[0];
  const urls = $("urls").value.split(/\s+/).filter(Boolean);
  let request;
  if (file) {
    const form = new FormData();
    form.append("file", file);
    request = { path: "/api/ingest/upload", options: { method: "POST", headers: writeHeaders(), body: form } };
  } else if (urls.length) {
    request = {
      path: "/api/ingest",
      options: { method: "POST", headers: writeHeaders({ "Content-Type": "application/json" }), body: JSON.stringify({ urls }) },
    };
  } else {
    setStatus($("job-status"), "Choose a file or type a web address first.", true);
    return;
  }
  $("job-errors").replaceChildren();
  try {
    const job = await api(request.path, request.options);
    await followJob(job.id);
  } catch (error) {
    setStatus($("job-status"), error.message, true);
  }
}

async function followJob(id) {
  for (;;) {
    const job = await api(`/api/jobs/${encodeURIComponent(id)}`);
    if (job.state === "failed") {
      setStatus($("job-status"), job.error, true);
      return;
    }
    if (job.state === "done") {
      const s = job.summary;
      setStatus($("job-status"), `Done: ${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ` +
        `${s.duplicates} duplicates, ${s.failed} failed.`, s.failed > 0);
      $("job-errors").replaceChildren(...job.errors.map((line) => el("li", {}, line)));
      await loadSources();
      return;
    }
    setStatus($("job-status"), `Adding articles… ${job.processed} read so far.`);
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

// Models

async function loadModels() {
  try {
    const models = await api("/api/models");
    $("model").placeholder = models.default;
    const usable = [...models.named, ...models.providers].filter((p) => p.usable);
    $("model-options").replaceChildren(
      ...models.named.map((m) =>
        el("option", { value: m.name }, m.usable ? `${m.spec} [${m.file}]` : `${m.spec} (unavailable: ${m.file})`)),
      ...models.providers.map((p) =>
        el("option", { value: p.name }, p.usable ? p.description : `${p.description} (unavailable: ${p.detail})`)));
    $("model-help").textContent = `Default: ${models.default}. Usable now: ${usable.map((p) => p.name).join(", ") || "none"}. ` +
      "Type a spec such as openai:MODEL for a model of a provider.";
  } catch (error) {
    setStatus($("model-help"), error.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("ask-form").addEventListener("submit", ask);
  $("brief-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showNews("brief");
  });
  $("timeline").addEventListener("click", () => showNews("timeline"));
  $("new-thread").addEventListener("click", newThread);
  $("add-form").addEventListener("submit", addArticles);
  loadSources();
  loadModels();
});
