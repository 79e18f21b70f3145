'use strict';
// Starts yaml-language-server exactly as its bin script does, but with its validation debounce
// (SettingsState.validationDelayMs, hard-coded to 200 ms in out/server/src/yamlSettings.js and not a setting)
// replaced by YAMLLS_VALIDATION_DELAY_MS, so the benchmark can also compare the two servers with no debounce.
// Usage: node yamlls-server.js --stdio   (with YAMLLS_VALIDATION_DELAY_MS=0)
const path = require('path');
const root = path.join(__dirname, 'node_modules', 'yaml-language-server');
const delay = Number(process.env.YAMLLS_VALIDATION_DELAY_MS ?? 200);
const settings = require(path.join(root, 'out', 'server', 'src', 'yamlSettings.js'));
const Original = settings.SettingsState;
settings.SettingsState = class extends Original {
  constructor(...args) {
    super(...args);
    if (this.validationDelayMs !== 200) throw new Error(`unexpected yaml-language-server validationDelayMs ${this.validationDelayMs}`);
    this.validationDelayMs = delay;
  }
};
process.env.YAML_LANGUAGE_SERVER_VERSION = require(path.join(root, 'package.json')).version;
require(path.join(root, 'out', 'server', 'src', 'server.js'));
