// The wtmap extension: starts `wtmap lsp` (stdio) for .wtmap files. Everything the editor
// shows comes from the server; this file only starts it with the user's settings.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("wtmap");
  const command = config.get("path") || "wtmap";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "wtmap",
    "wtmap",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "wtmap" }, { scheme: "untitled", language: "wtmap" }],
      initializationOptions: { docsBaseUrl: config.get("docsBaseUrl") || "" },
    }
  );
  context.subscriptions.push(
    vscode.commands.registerCommand("wtmap.restartServer", () => client.restart())
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
