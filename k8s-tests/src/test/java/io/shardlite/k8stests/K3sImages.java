package io.shardlite.k8stests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.MountableFile;

/**
 * Puts locally built images into the k3s node's containerd: the k3s container has no image-loading
 * call of its own, so an image tar (Jib's, or one saved from the local Docker engine) is copied in
 * and imported with `ctr images import`.
 */
final class K3sImages {
  private static final Logger LOG = LoggerFactory.getLogger(K3sImages.class);

  private K3sImages() {}

  /**
   * @param reference the image's name:tag, as pods will ask for it
   * @param tar a docker-archive tar of it (e.g. client/target/jib-image.tar), or null to save it
   *     from the local Docker engine (where `-Dquarkus.container-image.build=true` puts the operator)
   */
  static void load(K3sContainer k3s, String reference, Path tar) throws IOException, InterruptedException {
    Path file = tar != null && Files.isRegularFile(tar) ? tar : saveFromDocker(reference);
    String inContainer = "/tmp/" + reference.replaceAll("[^A-Za-z0-9._-]", "_") + ".tar";
    k3s.copyFileToContainer(MountableFile.forHostPath(file), inContainer);
    ExecResult result = k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", inContainer);
    if (result.getExitCode() != 0) {
      throw new IllegalStateException("ctr images import of " + reference + " failed: " + result.getStderr());
    }
    ExecResult listed = k3s.execInContainer("ctr", "-n", "k8s.io", "images", "ls", "-q");
    if (!listed.getStdout().lines().anyMatch(l -> l.equals(reference) || l.equals("docker.io/" + reference))) {
      throw new IllegalStateException("after the import, containerd does not list " + reference + ":\n" + listed.getStdout());
    }
    LOG.info("image {} imported into k3s from {}", reference, file);
  }

  private static Path saveFromDocker(String reference) throws IOException {
    Path out = Files.createTempFile("image", ".tar");
    try (InputStream in = DockerClientFactory.instance().client().saveImageCmd(reference).exec()) {
      Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
    } catch (RuntimeException e) {
      throw new IllegalStateException("image " + reference + " is neither given as a tar nor in the local Docker engine;"
          + " build it first (see README, Install on Kubernetes)", e);
    }
    out.toFile().deleteOnExit();
    return out;
  }
}
