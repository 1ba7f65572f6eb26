package io.peercollab.spi;

/**
 * Where an {@link EndpointRecord} came from. Every source is only a hint: whoever answers at the address must prove
 * the contact's key in the TLS handshake, so a source can help or fail to help, never fool.
 */
public enum EndpointSource {

	/** The endpoints written on the contact's card (imported, or stored with the contact). */
	CARD,

	/** An endpoint at which this endpoint last reached the contact. */
	LAST_SEEN,

	/** An endpoint of the contact found by local discovery (people near me). */
	NEAR_ME,

	/** A signed record the contact published in the BitTorrent Mainline DHT. */
	DHT
}
