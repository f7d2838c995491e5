//! Payment providers. Every provider turns the same few operations into its own protocol;
//! the API, the hosted pages and the webhooks never change with the provider.

pub mod sandbox;
