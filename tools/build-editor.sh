#!/bin/sh
# The query editor of /sparql: CodeMirror 6 from the npm registry (versions in tools/editor/package.json),
# bundled with esbuild into .cache/editor/dist/sparql-editor.js, which git ignores and the app serves at
# /assets/sparql-editor.js. Nothing of it is copied into the repository. Without it (no npm), /sparql keeps
# its plain textarea, which works as before.
set -e
cd "$(dirname "$0")/.."
OUT=.cache/editor
if [ -f "$OUT/dist/sparql-editor.js" ] && [ "$OUT/dist/sparql-editor.js" -nt tools/editor/sparql-editor.mjs ] \
   && [ "$OUT/dist/sparql-editor.js" -nt tools/editor/package.json ]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "npm missing: the SPARQL editor is not built; /sparql keeps its plain textarea" >&2
    exit 0
fi
mkdir -p "$OUT"
cp tools/editor/package.json "$OUT/package.json"
if ! npm install --prefix "$OUT" --no-audit --no-fund --silent; then
    echo "npm install failed: the SPARQL editor is not built; /sparql keeps its plain textarea" >&2
    exit 0
fi
# esbuild finds the packages through NODE_PATH (the source lives in tools/editor, the packages in .cache).
NODE_PATH="$OUT/node_modules" "$OUT/node_modules/.bin/esbuild" tools/editor/sparql-editor.mjs --bundle --minify \
    --format=iife --target=es2020 --outfile="$OUT/dist/sparql-editor.js" --log-level=warning
