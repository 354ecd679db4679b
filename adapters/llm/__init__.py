"""Model providers behind core's `PlanDrafter` port: any OpenAI-compatible chat-completions
endpoint (`chat_completions`) and Anthropic's Messages API (`messages_api`), chosen from the
settings (`llm_settings`) by `drafters.open_drafter`. Nothing is re-exported here, so reading
the settings does not load the HTTP client."""
