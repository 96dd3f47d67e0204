/**
 * Import direction, checked in CI (`npm test` runs `depcruise`). What ships to Lambda (src, functions)
 * never depends on what only runs locally or at deploy time; nothing depends on tests.
 * docs/architecture.md explains the layers.
 */
const project = '^(src|functions|infra|local|bench|test)/';
module.exports = {
  forbidden: [
    {
      name: 'src-stands-alone',
      comment: 'src/ is the shipped core: it imports only src/ and packages.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: project, pathNot: '^src/' },
    },
    {
      name: 'functions-use-src',
      comment: 'Lambda handlers import src/ and each other only.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: project, pathNot: '^(src|functions)/' },
    },
    {
      name: 'infra-uses-src',
      comment: 'The CDK app imports src/ (pipeline definition, contracts) and infra/ only.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: project, pathNot: '^(src|infra)/' },
    },
    {
      name: 'local-uses-src-and-functions',
      comment: 'The twin and CLI run the shipped code: src/, functions/ and local/ only.',
      severity: 'error',
      from: { path: '^local/' },
      to: { path: project, pathNot: '^(src|functions|local)/' },
    },
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
