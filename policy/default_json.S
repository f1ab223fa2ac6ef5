/* The embedded default policy: policy/default.json as read-only data. */
	.section .rodata
	.global policy_default_json
	.global policy_default_json_end
	.balign 16
policy_default_json:
	.incbin "policy/default.json"
policy_default_json_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
