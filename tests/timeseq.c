/* timeseq.c - benchmark driver: run a sequence of commands ROUNDS times,
 * each started the way OpenVPN starts its hooks (fork + execve with an
 * explicit environment, here posix_spawn), and print, per round, the wall
 * time of each phase in microseconds. Both sides of a comparison are
 * started by the same code, so neither pays for a heavier launcher.
 *
 *   timeseq ROUNDS PLAN
 * PLAN lines: PHASE|ENVFILE|ARGV... ('|' separated; ARGV split on spaces;
 * ENVFILE holds NAME=VALUE lines, "-" for an empty environment).
 * Output: one line per round: PHASE=US ... in order of first appearance;
 * the commands' own output goes to /dev/null, their errors to stderr. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STEPS 64
#define MAX_ARGS 32
#define MAX_ENV 128
#define MAX_PHASES 8

struct step {
	int phase;
	char *argv[MAX_ARGS];
	char *envp[MAX_ENV];
};

static struct step steps[MAX_STEPS];
static char *phases[MAX_PHASES];
static int nsteps, nphases;

static void die(const char *msg)
{
	fprintf(stderr, "timeseq: %s\n", msg);
	exit(2);
}

static void load_env(const char *file, char **envp)
{
	char line[4096];
	FILE *f;
	int n = 0;

	envp[0] = NULL;
	if (!strcmp(file, "-"))
		return;
	f = fopen(file, "r");
	if (!f)
		die("cannot open an environment file");
	while (fgets(line, sizeof(line), f) && n < MAX_ENV - 1) {
		line[strcspn(line, "\n")] = '\0';
		if (strchr(line, '='))
			envp[n++] = strdup(line);
	}
	envp[n] = NULL;
	fclose(f);
}

static void load_plan(const char *file)
{
	char line[4096], *phase, *envfile, *args, *tok, *save;
	FILE *f = fopen(file, "r");
	int i, n;

	if (!f)
		die("cannot open the plan");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (nsteps == MAX_STEPS)
			die("too many steps");
		phase = strtok_r(line, "|", &save);
		envfile = strtok_r(NULL, "|", &save);
		args = strtok_r(NULL, "", &save);
		if (!phase || !envfile || !args)
			die("plan lines are PHASE|ENVFILE|ARGV");
		for (i = 0; i < nphases && strcmp(phases[i], phase); i++)
			;
		if (i == nphases) {
			if (nphases == MAX_PHASES)
				die("too many phases");
			phases[nphases++] = strdup(phase);
		}
		steps[nsteps].phase = i;
		load_env(envfile, steps[nsteps].envp);
		n = 0;
		for (tok = strtok_r(args, " ", &save); tok && n < MAX_ARGS - 1;
		     tok = strtok_r(NULL, " ", &save))
			steps[nsteps].argv[n++] = strdup(tok);
		steps[nsteps].argv[n] = NULL;
		nsteps++;
	}
	fclose(f);
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long long t0, spent[MAX_PHASES];
	posix_spawn_file_actions_t fa;
	int rounds, r, i, status;
	pid_t pid;

	if (argc != 3)
		die("usage: timeseq ROUNDS PLAN");
	rounds = atoi(argv[1]);
	load_plan(argv[2]);
	/* The commands' output must not mix with the timings on stdout. */
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) != 0)
		die("cannot set up the commands' output");
	for (r = 0; r < rounds; r++) {
		memset(spent, 0, sizeof(spent));
		for (i = 0; i < nsteps; i++) {
			t0 = now_us();
			if (posix_spawn(&pid, steps[i].argv[0], &fa, NULL, steps[i].argv,
					steps[i].envp) != 0)
				die("cannot start a command");
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			spent[steps[i].phase] += now_us() - t0;
		}
		for (i = 0; i < nphases; i++)
			printf("%s%s=%lld", i ? " " : "", phases[i], spent[i]);
		printf("\n");
	}
	return 0;
}
