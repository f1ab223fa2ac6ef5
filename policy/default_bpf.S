/* The embedded default policy's seccomp filters, precompiled by bpfgen at build time. */
	.section .rodata
	.global policy_default_bpf
	.global policy_default_bpf_end
	.balign 16
policy_default_bpf:
	.incbin "default.bpf"
policy_default_bpf_end:
	.section .note.GNU-stack,"",@progbits
