/** Shapes shared by the manifest lint rules (pure: no vscode). */
import type { Document, YAMLMap } from 'yaml';
import type { InjectionOutcome } from '../injection';
import type { Labels } from '../types';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** [startOffset, endOffset) into the file text. */
export type TextRange = [number, number];

export interface TextEdit {
  range: TextRange;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  isPreferred?: boolean;
}

export interface Finding {
  code: string;
  severity: Severity;
  /** What will happen in the cluster. */
  message: string;
  range: TextRange;
  fixes: Fix[];
}

/** One parsed YAML document of a manifest file. Node ranges are relative to `offset`. */
export interface ManifestDoc {
  /** Position of the document in the file (0-based, counting every document). */
  index: number;
  /** Offset of the document's chunk in the file text. */
  offset: number;
  /** End of the document's chunk in the file text. */
  end: number;
  /** The whole file text (edits and ranges are absolute). */
  text: string;
  doc: Document.Parsed;
  root?: YAMLMap;
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  /** A Helm values file of an Istio chart (by file name or by its top-level keys). */
  helmValues: boolean;
}

export interface ClusterNamespace {
  labels: Labels;
  resolvedRevision?: string;
  viaTag?: string;
  /** describeOutcome of the live resolution, e.g. `1-8-0 (tag canary)`. */
  resolves: string;
  proxies: number;
  stale: number;
}

export interface ClusterRevision {
  version?: string;
  /** An istiod Deployment or canonical injector webhook exists. */
  installed: boolean;
  tags: string[];
  isDefault: boolean;
  proxies: number;
  stale: number;
}

export interface ClusterTag {
  revision: string;
  revisionInstalled: boolean;
}

/** What the lint rules and hovers need to know of the active cluster. */
export interface ClusterView {
  context: string;
  defaultRevision?: string;
  tags: Map<string, ClusterTag>;
  revisions: Map<string, ClusterRevision>;
  namespaces: Map<string, ClusterNamespace>;
  /** Waypoints running in the cluster (Deployments istiod made), as `namespace/name`. */
  waypoints?: Set<string>;
  /** Resolves injection for labels as the API server would evaluate the cluster's webhooks. */
  resolve(nsLabels: Labels, podLabels?: Labels, nsName?: string): InjectionOutcome;
}

/** Facts of the whole file that rules of one document may need. */
export interface FileFacts {
  fileName?: string;
  /** Namespaces declared in the same file, with their labels as written. */
  namespaces: Map<string, Labels>;
  /** Waypoints (Gateways of class istio-waypoint) declared in the same file, as `namespace/name`. */
  waypoints?: Set<string>;
}

export interface LintContext {
  /** Absent when no cluster is loaded: cluster rules are skipped, not guessed. */
  cluster?: ClusterView;
  fileName?: string;
  /** Filled by lintText. */
  file?: FileFacts;
}

export interface Rule {
  code: string;
  title: string;
  needsCluster: boolean;
  check(doc: ManifestDoc, ctx: LintContext): Finding[];
}
