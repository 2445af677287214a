// The SPARQL editor of /sparql: CodeMirror 6 with SPARQL highlighting and completion of SPARQL keywords
// and of this dataset's classes and properties (from its JSON-LD context). It enhances the plain
// <textarea id="query">, which stays the form field: without JavaScript the page works as before.
// CodeMirror's styles go into a shadow root as constructed style sheets, so the page's
// Content-Security-Policy (no inline <style>) needs no exception.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { StreamLanguage } from "@codemirror/language";
import { Prec } from "@codemirror/state";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { autocompletion, completeFromList } from "@codemirror/autocomplete";

const KEYWORDS = ["SELECT", "DISTINCT", "WHERE", "PREFIX", "BASE", "OPTIONAL", "FILTER", "UNION", "MINUS",
  "GRAPH", "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASK", "CONSTRUCT", "DESCRIBE", "VALUES",
  "BIND", "AS", "COUNT", "SAMPLE", "GROUP_CONCAT", "LANG", "LANGMATCHES", "STR", "REGEX", "CONTAINS",
  "EXISTS", "NOT EXISTS", "DESC", "ASC", "a"];

function contextTerms(context) {
  // "name": {"@id": "schema:name"} and "Event": "schema:Event" → the compact IRIs people write.
  const out = new Set();
  for (const [key, value] of Object.entries(context || {})) {
    const id = typeof value === "string" ? value : value && value["@id"];
    if (typeof id === "string" && /^[a-z][\w-]*:[^/]/i.test(id) && !key.startsWith("@")) {
      out.add(id);
    }
  }
  return [...out].sort();
}

function start() {
  const area = document.getElementById("query");
  const form = document.getElementById("query-form");
  if (!area || !form || !document.body.attachShadow) { return; }
  const lang = document.documentElement.lang === "en" ? "en" : "de";
  const host = document.createElement("div");
  host.className = "editor-host";
  area.insertAdjacentElement("afterend", host);
  const shadow = host.attachShadow({ mode: "open" });
  const options = KEYWORDS.map((label) => ({ label, type: "keyword" }));
  const completion = autocompletion({ override: [completeFromList(options)] });
  const run = () => { area.value = view.state.doc.toString(); form.requestSubmit ? form.requestSubmit() : form.submit(); return true; };
  const view = new EditorView({
    doc: area.value,
    root: shadow,
    parent: shadow,
    extensions: [
      basicSetup,
      Prec.highest(keymap.of([{ key: "Mod-Enter", run }])),  // Tab is left alone: it leaves the editor (no keyboard trap)
      StreamLanguage.define(sparql),
      EditorView.lineWrapping,  // long IRIs wrap: nothing scrolls sideways on a phone
      completion,
      EditorView.contentAttributes.of({ "aria-label": lang === "de" ? "SPARQL-Abfrage" : "SPARQL query",
        "aria-describedby": "query-hint", lang: "en" }),
      EditorView.updateListener.of((u) => { if (u.docChanged) { area.value = u.state.doc.toString(); } }),
      EditorView.theme({
        "&": { border: "1px solid #4a4a4a", fontSize: "0.95rem", background: "#ffffff", color: "#1a1a1a" },
        ".cm-content": { fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace", minHeight: "16rem" },
        "&.cm-focused": { outline: "3px solid #c8102e", outlineOffset: "2px" },
        ".cm-gutters": { background: "#f2f4f7", color: "#4a4a4a" },
      }),
    ],
  });
  area.hidden = true;
  area.setAttribute("aria-hidden", "true");
  // The label now names the editor: clicking it focuses the editor.
  const label = document.querySelector('label[for="query"]');
  if (label) { label.addEventListener("click", (e) => { e.preventDefault(); view.focus(); }); }
  form.addEventListener("submit", () => { area.value = view.state.doc.toString(); });
  // The dataset's own terms, from its JSON-LD context (same host).
  const contextUrl = form.dataset.context;
  if (contextUrl) {
    fetch(contextUrl, { headers: { Accept: "application/ld+json" } })
      .then((r) => (r.ok ? r.json() : {}))
      .then((doc) => { for (const term of contextTerms(doc["@context"])) { options.push({ label: term, type: "property" }); } })
      .catch(() => {});
  }
  window.__sparqlEditor = view;  // for the browser tests
}

if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
