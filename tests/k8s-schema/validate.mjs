// Validates every object of a multi-document YAML file against the Kubernetes API's JSON schemas (kubernetes-models,
// generated from the API's OpenAPI definitions, and KEDA's CRDs): required fields, types, enums, formats.
// Usage: node validate.mjs rendered.yaml. Prints one JSON line per object ({kind, name, errors}); exit 1 if any failed.
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";

// apiVersion "apps/v1" -> "kubernetes-models/apps/v1/Deployment"; core "v1" -> "kubernetes-models/v1/Service".
const packageFor = (group) => (group === "keda.sh" ? "@kubernetes-models/keda/keda.sh" : group ? `kubernetes-models/${group}` : "kubernetes-models");

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  try {
    const module = await import(`${packageFor(group)}/${version}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs <rendered.yaml>");
  process.exit(2);
}

let failed = false;
for (const document of parseAllDocuments(await readFile(file, "utf8"))) {
  if (document.errors.length > 0) {
    console.log(JSON.stringify({ kind: null, name: null, errors: document.errors.map((e) => e.message) }));
    failed = true;
    continue;
  }
  const object = document.toJS();
  if (object === null) continue;
  const { apiVersion = "", kind = "", metadata = {} } = object;
  // kustomize wraps a long Secret value's base64 at 70 columns; the API server's decoder skips the line breaks, the
  // schema's "byte" format does not.
  if (kind === "Secret" && object.data) {
    for (const key of Object.keys(object.data)) object.data[key] = String(object.data[key]).replace(/\s/g, "");
  }
  const Model = await modelFor(apiVersion, kind);
  let errors = [];
  if (!Model) {
    errors = [`no schema for ${apiVersion} ${kind}`];
  } else {
    try {
      new Model(object).validate();
    } catch (error) {
      errors = [error.message];
    }
  }
  failed ||= errors.length > 0;
  console.log(JSON.stringify({ kind, name: metadata.name ?? null, errors }));
}
process.exit(failed ? 1 : 0);
