"""Operations: Lever call metrics, the integration's health, and the alert rules built on them."""
