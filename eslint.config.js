// @ts-check
import tseslint from 'typescript-eslint';

const services = [
  'gateway-bot',
  'identity',
  'quota',
  'downloader',
  'transcoder',
  'storage',
  'billing',
  'notifier',
  'scheduler',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.tools/**',
      '**/dist/**',
      'coverage/**',
      'charts/**',
      '.mediabot/**',
      'test-artifacts/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  // Packages are shared code: they never reach into a service.
  {
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@mediabot/(' + services.join('|') + ')(/|$)',
              message: 'A package never imports a service.',
            },
            { regex: '(^|/)services/', message: 'A package never imports a service.' },
          ],
        },
      ],
    },
  },
  // A service may import packages, never another service.
  ...services.map((service) => ({
    files: [`services/${service}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@mediabot/(' + services.filter((s) => s !== service).join('|') + ')(/|$)',
              message:
                'A service never imports another service: share code through packages/ and talk through events.',
            },
            {
              regex: '\\.\\./\\.\\./\\.\\./',
              message: 'Do not reach outside this service with relative paths; import a package.',
            },
            { regex: '(^|/)services/', message: 'A service never imports another service.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
