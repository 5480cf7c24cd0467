import assert from 'node:assert/strict';
import { buildControlPlane, checkRevisionName, compareVersions, imageTag, versionFromInjectorValues } from '../../src/istio';
import { injectorConfigMap, istiod, istiodService, revisionMwc, tagMwc, tagService } from './fixtures';

describe('revision and tag discovery', () => {
  it('finds revisions from istiod Deployments, Services and MWCs, default when unlabelled', () => {
    const cp = buildControlPlane({
      deployments: [istiod(undefined, '1.27.5'), istiod('canary', '1.28.0')],
      services: [istiodService(), istiodService('canary')],
      configMaps: [],
      mwcs: [revisionMwc(), revisionMwc('canary')],
    });
    assert.deepEqual(
      cp.revisions.map((r) => [r.name, r.version, r.versionSource, r.readiness]),
      [
        ['canary', '1.28.0', 'image', 'ready'],
        ['default', '1.27.5', 'image', 'ready'],
      ],
    );
    const def = cp.revisionByName.get('default')!;
    assert.deepEqual(def.deployments, ['istio-system/istiod']);
    assert.deepEqual(def.services, ['istio-system/istiod']);
    assert.deepEqual(def.webhooks, ['istio-sidecar-injector']);
    assert.equal(def.isDefault, true);
    assert.equal(cp.revisionByName.get('canary')!.isDefault, false);
    assert.equal(cp.defaultRevision, 'default');
  });
  it('an MWC with no istio.io/rev label counts as the default revision', () => {
    const m = revisionMwc();
    delete m.metadata.labels!['istio.io/rev'];
    const cp = buildControlPlane({ deployments: [], services: [], configMaps: [], mwcs: [m] });
    assert.deepEqual(
      cp.revisions.map((r) => [r.name, r.readiness]),
      [['default', 'absent']],
    );
  });
  it('falls back to global.tag in the injector ConfigMap values, then to version labels', () => {
    const d = istiod('1-8-0', '1.8.0');
    d.spec!.template!.spec!.containers![0].image = 'registry.local/istio/pilot@sha256:abc';
    const cp = buildControlPlane({ deployments: [d], services: [], configMaps: [injectorConfigMap('1-8-0', '1.8.0')], mwcs: [revisionMwc('1-8-0')] });
    assert.deepEqual([cp.revisions[0].version, cp.revisions[0].versionSource], ['1.8.0', 'values']);
    const cp2 = buildControlPlane({ deployments: [], services: [], configMaps: [], mwcs: [revisionMwc('1-9-1', { version: '1.9.1' })] });
    assert.deepEqual([cp2.revisions[0].version, cp2.revisions[0].versionSource], ['1.9.1', 'label']);
  });
  it('readiness from replicas: ready, degraded, notReady, scaledToZero', () => {
    const cp = buildControlPlane({
      deployments: [istiod('a', '1.1.0', 2, 2), istiod('b', '1.1.0', 1, 3), istiod('c', '1.1.0', 0, 2), istiod('d', '1.1.0', 0, 0)],
      services: [],
      configMaps: [],
      mwcs: [],
    });
    assert.deepEqual(
      cp.revisions.map((r) => [r.name, r.readiness, `${r.readyReplicas}/${r.replicas}`]),
      [
        ['a', 'ready', '2/2'],
        ['b', 'degraded', '1/3'],
        ['c', 'notReady', '0/2'],
        ['d', 'scaledToZero', '0/0'],
      ],
    );
  });
  it('finds tags from MWCs and 1.28+ Services, including default, and which revision they point at', () => {
    const cp = buildControlPlane({
      deployments: [istiod('1-7-6', '1.7.6'), istiod('1-8-0', '1.8.0')],
      services: [istiodService('1-7-6'), istiodService('1-8-0'), tagService('prod', '1-7-6')],
      configMaps: [],
      mwcs: [revisionMwc('1-7-6'), revisionMwc('1-8-0'), tagMwc('prod', '1-7-6'), tagMwc('canary', '1-8-0'), tagMwc('default', '1-7-6')],
    });
    assert.deepEqual(
      cp.tags.map((t) => [t.name, t.revision, t.revisionInstalled]),
      [
        ['canary', '1-8-0', true],
        ['default', '1-7-6', true],
        ['prod', '1-7-6', true],
      ],
    );
    assert.deepEqual(cp.tagByName.get('prod')!.services, ['istio-system/istiod-revision-tag-prod']);
    assert.deepEqual(cp.revisionByName.get('1-7-6')!.tags, ['default', 'prod']);
    // tag objects are not revisions
    assert.deepEqual(
      cp.revisions.map((r) => r.name),
      ['1-7-6', '1-8-0'],
    );
    assert.equal(cp.defaultRevision, '1-7-6');
    assert.equal(cp.revisionByName.get('1-7-6')!.isDefault, true);
  });
  it('flags a tag whose revision is gone', () => {
    const cp = buildControlPlane({
      deployments: [istiod('1-8-0', '1.8.0')],
      services: [],
      configMaps: [],
      mwcs: [revisionMwc('1-8-0'), tagMwc('prod', '1-7-6')],
    });
    assert.equal(cp.tagByName.get('prod')!.revisionInstalled, false);
  });
});

describe('versions and names', () => {
  it('reads image tags', () => {
    assert.equal(imageTag('docker.io/istio/pilot:1.28.0'), '1.28.0');
    assert.equal(imageTag('localhost:5000/istio/proxyv2:1.8.0-distroless'), '1.8.0');
    assert.equal(imageTag('gcr.io/istio/pilot@sha256:deadbeef'), undefined);
    assert.equal(imageTag('localhost:5000/istio/pilot'), undefined);
    assert.equal(imageTag(undefined), undefined);
  });
  it('reads global.tag from injector values and tolerates junk', () => {
    assert.equal(versionFromInjectorValues('{"global":{"tag":"1.20.3"}}'), '1.20.3');
    assert.equal(versionFromInjectorValues('not json'), undefined);
    assert.equal(versionFromInjectorValues('{"global":null}'), undefined);
  });
  it('compares versions numerically', () => {
    assert.ok(compareVersions('1.9.0', '1.10.0') < 0);
    assert.ok(compareVersions('1.28.0', '1.28.0') === 0);
    assert.ok(compareVersions('1.28.1', '1.28.0') > 0);
  });
  it('validates revision and tag names as DNS-1123 labels', () => {
    assert.deepEqual(checkRevisionName('1-8-0'), { ok: true });
    const dots = checkRevisionName('1.8.0');
    assert.equal(dots.ok, false);
    assert.equal(!dots.ok && dots.suggestion, '1-8-0');
    assert.equal(!dots.ok && dots.message, '"1.8.0" is not a valid revision name: dots are not allowed (write 1-8-0, not 1.8.0).');
    const upper = checkRevisionName('Canary', 'tag');
    assert.equal(!upper.ok && upper.message, '"Canary" is not a valid tag name: upper-case letters are not allowed.');
    assert.equal(!upper.ok && upper.suggestion, 'canary');
    assert.equal(checkRevisionName('').ok, false);
    assert.equal(checkRevisionName('a'.repeat(64)).ok, false);
    assert.equal(checkRevisionName('-x').ok, false);
  });
});
