/*
 * fleetq-shepherd: runs one job's command (a script, or a command started by `fleetq rsh`) for the
 * node agent, and ties the job's life to the agent's — like Slurm's slurmstepd or PBS's MoM child.
 *
 *   fleetq-shepherd [--cgroup DIR] [--cpus LIST] [--rlimit-data BYTES] [--rlimit-cpu SECONDS]
 *                   [--grace SECONDS] -- COMMAND [ARG...]
 *
 * The agent starts it as the leader of a new session and process group; the command runs in that
 * group, so the agent's signals to the group reach every process of it. The shepherd itself ignores
 * the catchable ones (SIGKILL still ends both).
 *
 *   --cgroup DIR       moves itself (and so everything it starts) into this cgroup v2 directory
 *                      before starting the command: processes that leave the process group stay
 *                      tracked there, and DIR/cgroup.kill ends them all.
 *   --cpus LIST        pins the command to these CPUs (sched_setaffinity; "0,2,5").
 *   --rlimit-data B    RLIMIT_DATA for the command (memory, where no cgroup enforces it).
 *   --rlimit-cpu S     RLIMIT_CPU for the command (-l cput).
 *   --grace S          seconds between SIGTERM and SIGKILL when the agent goes (default 10).
 *
 * Lifeline: file descriptor 3, when open, is one end of a socket or pipe whose other end only the
 * agent holds. When it reads end-of-file the agent is gone (killed, crashed): the job gets SIGTERM,
 * then SIGKILL after the grace, so a node whose agent died never keeps running a job the daemon
 * will run again elsewhere.
 *
 * The command gets only its stdin, stdout and stderr: every other descriptor is closed before it
 * starts.
 *
 * When the command ends, the shepherd writes on the lifeline what it used (see report_usage).
 *
 * Exit: the command's exit code; if a signal ended it, the shepherd ends itself by the same signal,
 * so the agent sees what the command saw. 127 when the command cannot be started, 125 on a bad
 * argument or a cgroup that cannot be joined (with a message on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const int IGNORED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGTTIN, SIGTTOU, SIGALRM};
#define NIGNORED (sizeof IGNORED / sizeof IGNORED[0])
#define LIFELINE 3

static void die(const char *what, const char *detail) {
  fprintf(stderr, "fleetq-shepherd: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(125);
}

static unsigned long long number(const char *opt, const char *s) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0') die(opt, "not a number");
  return v;
}

/* Writes `text` to DIR/FILE; returns 0 or an errno. */
static int write_file(const char *dir, const char *file, const char *text) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) return ENAMETOOLONG;
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, text, strlen(text));
  int err = n < 0 ? errno : 0;
  close(fd);
  return err;
}

/* Signals every process of the cgroup (those that left the process group included). */
static void signal_cgroup(const char *dir, int sig) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) return;
  FILE *f = fopen(path, "re");
  if (!f) return;
  long pid;
  while (fscanf(f, "%ld", &pid) == 1) if (pid != getpid()) kill((pid_t)pid, sig);
  fclose(f);
}

/* Waits up to `ms` for the child; returns 1 and sets *status when it ended. */
static int wait_child(int sfd, pid_t child, int *status, int ms) {
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (waitpid(child, status, WNOHANG) == child) return 1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    if (left <= 0) return 0;
    struct pollfd p = {.fd = sfd, .events = POLLIN};
    if (poll(&p, 1, (int)left) > 0) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) < 0 && errno != EAGAIN) return 0;
    }
  }
}

/*
 * Tells the agent, on the lifeline, what the command and its reaped descendants used: the largest
 * resident set of any one of them and their cpu time ("rusage maxrss_kb=N cpu_us=N").
 */
static void report_usage(int lifeline) {
  if (lifeline < 0) return;
  struct rusage ru;
  if (getrusage(RUSAGE_CHILDREN, &ru) != 0) return;
  long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  dprintf(lifeline, "rusage maxrss_kb=%ld cpu_us=%lld\n", ru.ru_maxrss, cpu);
}

/* Ends as the child ended: the same exit code, or the same signal. */
static void mirror(int status) {
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);  // the child already dumped core if it was going to
  signal(sig, SIG_DFL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  sigprocmask(SIG_UNBLOCK, &s, NULL);
  raise(sig);
  exit(128 + sig);
}

int main(int argc, char **argv) {
  const char *cgroup = NULL, *cpus = NULL;
  unsigned long long data = 0, cput = 0, grace = 10;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) { i++; break; }
    if (i + 1 >= argc) die(a, "needs a value");
    if (strcmp(a, "--cgroup") == 0) cgroup = argv[++i];
    else if (strcmp(a, "--cpus") == 0) cpus = argv[++i];
    else if (strcmp(a, "--rlimit-data") == 0) data = number(a, argv[++i]);
    else if (strcmp(a, "--rlimit-cpu") == 0) cput = number(a, argv[++i]);
    else if (strcmp(a, "--grace") == 0) grace = number(a, argv[++i]);
    else die("unknown option", a);
  }
  if (i >= argc) die("usage", "fleetq-shepherd [options] -- COMMAND [ARG...]");

  // From here on a signal meant for the job is held, not lost: one that comes before the command
  // exists (a qdel right after the start) is passed to it once it does.
  sigset_t held, old;
  sigemptyset(&held);
  for (size_t k = 0; k < NIGNORED; k++) sigaddset(&held, IGNORED[k]);
  sigprocmask(SIG_BLOCK, &held, &old);

  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (cpus) {
    char *copy = strdup(cpus), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      unsigned long long c = number("--cpus", t);
      if (c >= CPU_SETSIZE) die("--cpus", "CPU number out of range");
      CPU_SET((int)c, &mask);
    }
    free(copy);
  }
  if (cgroup) {
    int err = write_file(cgroup, "cgroup.procs", "0");
    if (err) { char msg[4200]; snprintf(msg, sizeof msg, "%s: %s", cgroup, strerror(err)); die("cannot join cgroup", msg); }
  }
  struct stat st;
  int lifeline = fstat(LIFELINE, &st) == 0 ? LIFELINE : -1;
  if (lifeline >= 0) fcntl(lifeline, F_SETFD, FD_CLOEXEC);

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd", strerror(errno));
  int hfd = signalfd(-1, &held, SFD_CLOEXEC | SFD_NONBLOCK);
  if (hfd < 0) die("signalfd", strerror(errno));

  pid_t child = fork();
  if (child < 0) die("fork", strerror(errno));
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (cpus && sched_setaffinity(0, sizeof mask, &mask) != 0) {
      fprintf(stderr, "fleetq-shepherd: --cpus %s: %s\n", cpus, strerror(errno));
      _exit(125);
    }
    // Nothing the agent (or the daemon before it) had open reaches the job: only its stdio.
    if (close_range(3, ~0U, 0) != 0) for (int fd = 3; fd < 1024; fd++) close(fd);
    if (data) { struct rlimit r = {data, data}; setrlimit(RLIMIT_DATA, &r); }
    if (cput) { struct rlimit r = {cput, cput + 5}; setrlimit(RLIMIT_CPU, &r); }
    execvp(argv[i], &argv[i]);
    fprintf(stderr, "fleetq-shepherd: cannot run %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }
  // Signals held since the start reach the command now. (One sent to the group in the instant
  // between the fork and this read reaches it twice; a job's first signal cannot be lost.)
  struct signalfd_siginfo hs;
  while (read(hfd, &hs, sizeof hs) == (ssize_t)sizeof hs) kill(child, (int)hs.ssi_signo);
  close(hfd);
  // From now on the group's signals reach the command directly; the shepherd ignores them.
  for (size_t k = 0; k < NIGNORED; k++) signal(IGNORED[k], SIG_IGN);
  // The shepherd keeps no copy of the job's stdio: its output ends when the command's does.
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); close(null); }

  int status = 0;
  for (;;) {
    struct pollfd p[2] = {{.fd = sfd, .events = POLLIN}, {.fd = lifeline, .events = POLLIN}};
    int n = poll(p, lifeline >= 0 ? 2 : 1, -1);
    if (n < 0 && errno != EINTR) break;
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {}
      if (waitpid(child, &status, WNOHANG) == child) { report_usage(lifeline); mirror(status); }
    }
    if (lifeline >= 0 && p[1].revents) {
      char buf[256];
      ssize_t r = read(lifeline, buf, sizeof buf);
      if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR))) continue;  // nothing to act on
      break;  // end-of-file or an error: the agent is gone
    }
  }
  // The agent is gone: SIGTERM to the job, the grace, then SIGKILL to everything left.
  kill(-getpgrp(), SIGTERM);
  if (cgroup) signal_cgroup(cgroup, SIGTERM);
  wait_child(sfd, child, &status, (int)(grace * 1000));
  // cgroup.kill takes every process of the cgroup at once, the shepherd last among them.
  if (cgroup && write_file(cgroup, "cgroup.kill", "1") != 0) signal_cgroup(cgroup, SIGKILL);
  kill(-getpgrp(), SIGKILL);
  return 137;
}
