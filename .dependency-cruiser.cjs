/**
 * The architecture rules `npm test` checks (see CONTRIBUTING.md and docs/design.md "Layers").
 * A `.cjs` file because dependency-cruiser loads its configuration with require().
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles make load order matter and hide which module owns what.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-not-up',
      severity: 'error',
      comment: 'functions/lib is the domain and its adapters: it never reaches up into a handler folder or into infra/.',
      from: { path: '^functions/lib/' },
      to: { path: ['^functions/(?!lib/)', '^infra/'] },
    },
    {
      name: 'functions-not-infra',
      severity: 'error',
      comment: 'Lambda code is deployed on its own: nothing under functions/ may import infra/ (CDK, the local stack, the CLI).',
      from: { path: '^functions/' },
      to: { path: '^infra/' },
    },
    {
      name: 'handlers-not-each-other',
      severity: 'error',
      comment: 'A handler folder is one Lambda: what two need lives in functions/lib.',
      from: { path: '^functions/([^/]+)/', pathNot: '^functions/lib/' },
      to: { path: '^functions/([^/]+)/', pathNot: ['^functions/$1/', '^functions/lib/'] },
    },
    {
      name: 'cdk-not-local',
      severity: 'error',
      comment: 'The CDK app must not load the local stack (a dev harness with top-level awaits).',
      from: { path: ['^infra/stack/', '^infra/app\\.ts$'] },
      to: { path: '^infra/local/' },
    },
    {
      name: 'not-test-code',
      severity: 'error',
      comment: 'Only tests import test code.',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-dev-deps-in-functions',
      severity: 'error',
      comment: 'Lambda bundles are built from dependencies only: functions/ never imports a devDependency.',
      from: { path: '^functions/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules', '^cdk\\.out'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    // Type-only imports count too: a circle through types is still a circle for a reader.
    moduleSystems: ['es6', 'cjs'],
  },
};
