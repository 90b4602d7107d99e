#!/usr/bin/env node
// The installed `paved` command. npm links this file when it installs, before the `prepare`
// build has produced dist/, so it only forwards to the built entry point.
import "../dist/bin.js"
