/**
 * The Mainline DHT machinery behind {@link io.peercollab.dht.MainlineDht}: the Pkarr-style record codec, z-base-32,
 * BEP 44 signing and the adapter around the mldht engine. Internal: no compatibility promise.
 */
package io.peercollab.internal.dht;
