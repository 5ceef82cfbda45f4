#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tutil.h"

static char dir[64];

void tu_init_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vpnd-profile-test.XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) < 0) {
		perror("test directory");
		exit(1);
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

void tu_cleanup_dir(void)
{
	if (!dir[0] || chdir("/") < 0)
		return;
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

void tu_write(const char *name, mode_t mode, const char *content)
{
	int fd;
	size_t len = strlen(content);

	unlink(name);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len ||
	    fchmod(fd, mode) < 0) {
		perror(name);
		exit(1);
	}
	close(fd);
}

int tu_load(const char *content, struct profile *p, struct verr *e)
{
	tu_write("t.yaml", 0600, content);
	return profile_load("t.yaml", p, e);
}
