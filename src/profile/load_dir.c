/* Loading a whole profile directory. One bad file must not keep the
 * other connections from coming up, so errors go to the callback. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool is_profile_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	/* hidden files are editor backups and the like */
	if (name[0] == '.' || !dot)
		return false;
	return !strcmp(dot, ".yaml") || !strcmp(dot, ".yml");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Sorted so that the load order, and thus which of two profiles with
 * the same name wins, does not depend on the file system. */
static int list_dir(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, **grown;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!is_profile_name(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown)
				goto oom;
			names = grown;
		}
		names[*n] = strdup(de->d_name);
		if (!names[*n])
			goto oom;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_names);
	*out = names;
	return 0;
oom:
	closedir(d);
	free_names(names, *n);
	errno = ENOMEM;
	return -1;
}

static const struct profile *find_name(const struct profile *list, size_t n,
				       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static void report(profile_file_err_fn on_err, void *ctx, const char *file,
		   const char *msg)
{
	if (on_err)
		on_err(ctx, file, msg);
}

int profile_load_dir(const char *dir, struct profile **out, size_t *n,
		     profile_file_err_fn on_err, void *ctx)
{
	char **names = NULL, path[PATH_MAX];
	struct profile *list;
	const struct profile *dup;
	struct verr e;
	size_t count;

	*out = NULL;
	*n = 0;
	/* not a bad file but a bad directory: the caller reports errno */
	if (list_dir(dir, &names, &count) < 0)
		return -1;
	list = count ? calloc(count, sizeof(*list)) : NULL;
	if (count && !list) {
		free_names(names, count);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);

		if (len < 0 || (size_t)len >= sizeof(path)) {
			report(on_err, ctx, NULL, "profile path too long");
			continue;
		}
		if (profile_load(path, &list[*n], &e) < 0) {
			report(on_err, ctx, path, e.msg);
			continue;
		}
		dup = find_name(list, *n, list[*n].name);
		if (dup) {
			verr_set(&e, "%s: profile name '%s' "
				 "is already used by %s", path, dup->name,
				 dup->path);
			report(on_err, ctx, path, e.msg);
			profile_free(&list[*n]);
			continue;
		}
		(*n)++;
	}
	free_names(names, count);
	if (!*n) {
		free(list);
		list = NULL;
	}
	*out = list;
	return 0;
}
