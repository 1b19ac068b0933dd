/*
 * Command and option descriptions as data. cli/ parses argv with them and
 * render/ turns the same tables into usage, help and the man page, so the
 * three cannot drift apart (curl's and libgit2's one-source options).
 */
#ifndef ADS_UTIL_OPTSPEC_H
#define ADS_UTIL_OPTSPEC_H

enum ads_opt_flags {
	ADS_OPT_REPEAT = 1 << 0, /* may be given several times */
	ADS_OPT_HIDDEN = 1 << 1, /* accepted but not listed in help */
};

struct ads_opt {
	const char *name; /* long name without "--"; NULL ends a table */
	char short_name; /* 0 if none */
	const char *arg; /* value placeholder ("FILE"), NULL for a flag */
	const char *help; /* one line, lowercase, no full stop */
	unsigned flags;
};

struct ads_cmd;
struct ads_cli;

struct ads_cmd {
	const char *name;
	const char *args; /* positional arguments for the usage line */
	const char *summary; /* one line for `adsctl help` */
	const char *description; /* paragraphs for `adsctl help CMD` */
	const struct ads_opt *opts; /* NULL-terminated; may be NULL */
	int (*run)(struct ads_cli *cli);
};

#endif
