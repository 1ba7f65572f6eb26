// SPDX-License-Identifier: Apache-2.0
/**
 * Finding endpoints over the Internet through the BitTorrent Mainline DHT: {@link io.peercollab.dht.MainlineDht}
 * publishes an Ed25519 identity's endpoints as a signed BEP 44 record and resolves its contacts' records. The record
 * format is specified in {@code reactive-core/DHT-RECORD.md}.
 */
@NullMarked
package io.peercollab.dht;

import org.jspecify.annotations.NullMarked;
