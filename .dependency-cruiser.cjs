/**
 * Import direction, checked in CI (`npm test` runs `depcruise`). What ships to Lambda (src, functions)
 * never depends on what only runs locally or at deploy time; nothing depends on tests.
 * docs/architecture.md explains the layers.
 */
const project = '^(src|functions|infra|local|bench|test)/';

/** Each layer's rule: the folders it may import (besides packages). */
const layers = [
  ['src-stands-alone', 'src', ['src'], 'src/ is the shipped core: it imports only src/ and packages.'],
  ['functions-use-src', 'functions', ['src', 'functions'], 'Lambda handlers import src/ and each other only.'],
  ['infra-uses-src', 'infra', ['src', 'infra'], 'The CDK app imports src/ (pipeline definition, contracts) and infra/ only.'],
  [
    'local-uses-src-and-functions',
    'local',
    ['src', 'functions', 'local'],
    'The twin and CLI run the shipped code: src/, functions/ and local/ only.',
  ],
];

module.exports = {
  forbidden: [
    ...layers.map(([name, folder, allowed, comment]) => ({
      name,
      comment,
      severity: 'error',
      from: { path: `^${folder}/` },
      to: { path: project, pathNot: `^(${allowed.join('|')})/` },
    })),
    {
      name: 'nothing-imports-tests',
      comment: 'Only tests import test/.',
      severity: 'error',
      from: { path: project, pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-module-cycles',
      comment: 'A cycle of imports hides which module owns what.',
      severity: 'error',
      from: { path: project },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders depend on each other in one direction.',
      severity: 'error',
      scope: 'folder',
      from: { path: project },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out|\\.data|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
