// The stress tests (test/stress): run after the main suite, one file at a time, so that their load
// (a daemon killed and restarted under eight submitting clients) does not blur other tests' timings.
export default {
  files: ['dist/test/stress/**/*.test.js'],
  timeout: '3m',
  workerThreads: false,
  concurrency: 1,
  verbose: true,
};
