package io.s3nas.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * Artery over TLS with mutual authentication (docs/cluster.md, "Nodes on several machines"): a
 * node presents the certificate of its {@code key-store} and accepts only peers whose certificate
 * its {@code trust-store} trusts, so only holders of a certificate signed by the cluster's own CA
 * ({@code cluster/make-certs}) can join or send a message. One password, read from a file, opens
 * both stores (never in the config, never on a command line).
 *
 * @param keyStore this node's key and certificate chain (PKCS#12)
 * @param trustStore the cluster CA's certificate (PKCS#12)
 * @param password the stores' password, from {@code password-file}
 */
public record NodeTls(Path keyStore, Path trustStore, String password) {
  @Override
  public String toString() {
    return "NodeTls[keyStore=" + keyStore + ", trustStore=" + trustStore + "]"; // never the password
  }

  /** The {@code s3nas.node.tls} section of {@code file}, checked: both stores open with the password. */
  static NodeTls read(Path file, Config tls) {
    Path key = Path.of(required(file, tls, "key-store"));
    Path trust = Path.of(required(file, tls, "trust-store"));
    Path pwFile = Path.of(required(file, tls, "password-file"));
    String pw;
    try {
      pw = Files.readString(pwFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node.tls.password-file", "a readable file holding the "
          + "stores' password; " + pwFile + ": " + e.getMessage());
    }
    open(file, "key-store", key, pw, true);
    open(file, "trust-store", trust, pw, false);
    return new NodeTls(key, trust, pw);
  }

  private static String required(Path file, Config tls, String key) {
    if (!tls.hasPath(key)) {
      throw new InvalidInputException(file.toString(), "s3nas.node.tls." + key, "missing: tls needs key-store, "
          + "trust-store and password-file (cluster/make-certs writes them)");
    }
    return tls.getString(key);
  }

  private static void open(Path file, String key, Path store, String pw, boolean needsKey) {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, pw.toCharArray());
      boolean found = false;
      for (String alias : java.util.Collections.list(ks.aliases())) {
        found |= needsKey ? ks.isKeyEntry(alias) : ks.isCertificateEntry(alias);
      }
      if (!found) {
        throw new InvalidInputException(file.toString(), "s3nas.node.tls." + key, store + " holds no "
            + (needsKey ? "private key" : "trusted certificate"));
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node.tls." + key, "a PKCS#12 store the password opens; "
          + store + ": " + e.getMessage());
    }
  }

  /** Artery's TLS transport with these stores. */
  Config pekkoConfig() {
    String p = "pekko.remote.artery.ssl.config-ssl-engine.";
    return ConfigFactory.parseString("""
        pekko.remote.artery.transport = tls-tcp
        pekko.remote.artery.ssl.config-ssl-engine.protocol = "TLSv1.3"
        pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication = on
        """)
        .withValue(p + "key-store", ConfigValueFactory.fromAnyRef(keyStore.toAbsolutePath().toString()))
        .withValue(p + "trust-store", ConfigValueFactory.fromAnyRef(trustStore.toAbsolutePath().toString()))
        .withValue(p + "key-store-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(p + "key-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(p + "trust-store-password", ConfigValueFactory.fromAnyRef(password));
  }
}
