/* SPDX-License-Identifier: MIT */
/* bpf: load a socket filter program and create a map (verifier/JIT attack surface). */
#include <linux/bpf.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	struct bpf_insn prog[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	long fd;

	(void)argc;
	(void)argv;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)prog;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	fd = ESC_TRY("bpf(BPF_PROG_LOAD)", syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
	if (fd >= 0)
		close(fd);

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 1;
	fd = ESC_TRY("bpf(BPF_MAP_CREATE)", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
	if (fd >= 0)
		close(fd);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
