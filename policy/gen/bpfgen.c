/* SPDX-License-Identifier: MIT */
/*
 * Build tool: compiles the embedded default policy's seccomp filters and
 * writes them, keyed by their rules, as the blob policy/default_bpf.S embeds.
 * Usage: bpfgen OUTPUT
 */
#include <stdio.h>
#include <stdlib.h>

#include "policy/bpf.h"
#include "policy/policy.h"

int main(int argc, char **argv)
{
	struct policy *p = NULL;
	struct policy_bpf bpf = {0};
	struct err_ctx err = {0};
	uint8_t key[POLICY_BPF_KEY_SIZE], *blob = NULL;
	size_t len = 0;
	FILE *out;

	if (argc != 2) {
		fprintf(stderr, "usage: bpfgen OUTPUT\n");
		return 2;
	}
	if (policy_load_default(&p, &err) < 0 || policy_bpf_compile_fresh(p, &bpf, &err) < 0) {
		fprintf(stderr, "bpfgen: %s\n", err.msg);
		return 1;
	}
	policy_bpf_key(&p->syscalls, key);
	if (policy_bpf_blob_make(&bpf, key, &blob, &len) < 0) {
		fprintf(stderr, "bpfgen: out of memory\n");
		return 1;
	}
	out = fopen(argv[1], "wb");
	if (!out || fwrite(blob, 1, len, out) != len || fclose(out) != 0) {
		perror("bpfgen");
		return 1;
	}
	free(blob);
	policy_bpf_release(&bpf);
	policy_free(p);
	return 0;
}
