/**
 * Import rules (issue 20), checked in CI by `npm run deps`: no cycles among the TypeScript
 * sources nor among the AssemblyScript core's modules. The layers' directions come with the
 * folders that show them (docs/architecture.md's code map).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can be read, tested or split off alone.',
      from: { path: '^(src|assembly)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
