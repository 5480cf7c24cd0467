// Command injector stands in for istiod's sidecar injector and validator in the
// local test cluster of Istio Revisions.
//
//   - It serves, over TLS on 127.0.0.1, a mutating admission webhook at
//     /inject/<rev> that adds to a pod what Istio's injection adds and what the
//     extension reads (istio-proxy container with image
//     docker.io/istio/proxyv2:<version>, istio-init init container, istio-envoy
//     volume, annotations istio.io/rev and sidecar.istio.io/status, labels
//     security.istio.io/tlsMode, service.istio.io/canonical-*), and a
//     validating webhook at /validate that always allows.
//   - It watches MutatingWebhookConfigurations and ValidatingWebhookConfigurations
//     and rewires Istio's ones (webhook names ending in sidecar-injector.istio.io;
//     VWCs named istio-validator* / istiod-default-validator) to those endpoints
//     with the bench CA as caBundle. Selectors are never touched, so the API
//     server evaluates Istio's real namespace/object selectors.
//
// <version> is the image tag of the revision's istiod Deployment (pilot
// container "discovery") in istio-system, looked up through the API and cached;
// "unknown" when no such Deployment exists.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admregv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

const (
	statusAnnotation = "sidecar.istio.io/status"
	revAnnotation    = "istio.io/rev"
	istioNamespace   = "istio-system"
)

var (
	kubeconfig = flag.String("kubeconfig", "", "kubeconfig of the cluster")
	listen     = flag.String("listen", "127.0.0.1:0", "address to serve the webhooks on (loopback only)")
	certFile   = flag.String("cert", "", "serving certificate (PEM)")
	keyFile    = flag.String("key", "", "serving key (PEM)")
	caFile     = flag.String("ca", "", "CA bundle (PEM) written into the webhooks' caBundle")
	portFile   = flag.String("port-file", "", "file to write the listening port to once serving")
	hub        = flag.String("hub", "docker.io/istio", "image hub of the injected proxy")
	cacheTTL   = flag.Duration("version-cache-ttl", 15*time.Second, "how long a looked-up revision version is cached")
)

type injector struct {
	client  kubernetes.Interface
	baseURL string
	ca      []byte

	mu       sync.Mutex
	versions map[string]cachedVersion
}

type cachedVersion struct {
	version string
	at      time.Time
}

func main() {
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("[injector] ")

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("client: %v", err)
	}
	ca, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatalf("ca: %v", err)
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("serving cert: %v", err)
	}
	if host, _, err := net.SplitHostPort(*listen); err != nil || !(host == "127.0.0.1" || host == "localhost" || host == "::1") {
		log.Fatalf("--listen must be a loopback address, got %q", *listen)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port

	inj := &injector{
		client:   client,
		baseURL:  fmt.Sprintf("https://127.0.0.1:%d", port),
		ca:       ca,
		versions: map[string]cachedVersion{},
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/inject/", inj.serveInject)
	mux.HandleFunc("/inject", inj.serveInject)
	mux.HandleFunc("/validate", serveValidate)
	mux.HandleFunc("/validate/", serveValidate)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && err != http.ErrServerClosed {
			log.Fatalf("serve: %v", err)
		}
	}()

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	inj.runRewirer(ctx)

	if *portFile != "" {
		if err := os.WriteFile(*portFile+".tmp", []byte(fmt.Sprint(port)), 0o644); err != nil {
			log.Fatalf("port file: %v", err)
		}
		if err := os.Rename(*portFile+".tmp", *portFile); err != nil {
			log.Fatalf("port file: %v", err)
		}
	}
	log.Printf("serving on %s", inj.baseURL)
	<-ctx.Done()
	shutdownCtx, c2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer c2()
	_ = srv.Shutdown(shutdownCtx)
}

// ---------------------------------------------------------------- rewirer

func isIstioInjectorWebhook(name string) bool {
	return strings.HasSuffix(name, "sidecar-injector.istio.io")
}

func isIstioValidator(vwc *admregv1.ValidatingWebhookConfiguration) bool {
	return strings.HasPrefix(vwc.Name, "istio-validator") || vwc.Name == "istiod-default-validator"
}

func revisionOf(meta metav1.ObjectMeta) string {
	if r := meta.Labels["istio.io/rev"]; r != "" {
		return r
	}
	return "default"
}

func (inj *injector) wantClientConfig(path string) admregv1.WebhookClientConfig {
	u := inj.baseURL + path
	return admregv1.WebhookClientConfig{URL: &u, CABundle: inj.ca}
}

func sameClientConfig(a, b admregv1.WebhookClientConfig) bool {
	return a.Service == nil && b.Service == nil && a.URL != nil && b.URL != nil && *a.URL == *b.URL && string(a.CABundle) == string(b.CABundle)
}

func (inj *injector) runRewirer(ctx context.Context) {
	factory := informers.NewSharedInformerFactory(inj.client, 10*time.Minute)
	mwcInf := factory.Admissionregistration().V1().MutatingWebhookConfigurations().Informer()
	vwcInf := factory.Admissionregistration().V1().ValidatingWebhookConfigurations().Informer()

	onMWC := func(obj interface{}) {
		if m, ok := obj.(*admregv1.MutatingWebhookConfiguration); ok {
			inj.rewireMWC(ctx, m)
		}
	}
	onVWC := func(obj interface{}) {
		if v, ok := obj.(*admregv1.ValidatingWebhookConfiguration); ok {
			inj.rewireVWC(ctx, v)
		}
	}
	mwcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    onMWC,
		UpdateFunc: func(_, n interface{}) { onMWC(n) },
	})
	vwcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    onVWC,
		UpdateFunc: func(_, n interface{}) { onVWC(n) },
	})
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
}

func (inj *injector) rewireMWC(ctx context.Context, m *admregv1.MutatingWebhookConfiguration) {
	rev := revisionOf(m.ObjectMeta)
	want := inj.wantClientConfig("/inject/" + rev)
	needs := false
	for _, wh := range m.Webhooks {
		if isIstioInjectorWebhook(wh.Name) && !sameClientConfig(wh.ClientConfig, want) {
			needs = true
		}
	}
	if !needs {
		return
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := inj.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, m.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		rev := revisionOf(cur.ObjectMeta)
		want := inj.wantClientConfig("/inject/" + rev)
		changed := false
		for i := range cur.Webhooks {
			if isIstioInjectorWebhook(cur.Webhooks[i].Name) && !sameClientConfig(cur.Webhooks[i].ClientConfig, want) {
				cur.Webhooks[i].ClientConfig = want
				changed = true
			}
		}
		if !changed {
			return nil
		}
		_, err = inj.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{FieldManager: "istio-revisions-injector"})
		if err == nil {
			log.Printf("rewired MutatingWebhookConfiguration %s -> %s", cur.Name, *want.URL)
		}
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		log.Printf("rewire MWC %s: %v", m.Name, err)
	}
}

func (inj *injector) rewireVWC(ctx context.Context, v *admregv1.ValidatingWebhookConfiguration) {
	if !isIstioValidator(v) {
		return
	}
	want := inj.wantClientConfig("/validate")
	needs := false
	for _, wh := range v.Webhooks {
		if !sameClientConfig(wh.ClientConfig, want) {
			needs = true
		}
	}
	if !needs {
		return
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := inj.client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, v.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		changed := false
		for i := range cur.Webhooks {
			if !sameClientConfig(cur.Webhooks[i].ClientConfig, want) {
				cur.Webhooks[i].ClientConfig = want
				changed = true
			}
		}
		if !changed {
			return nil
		}
		_, err = inj.client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{FieldManager: "istio-revisions-injector"})
		if err == nil {
			log.Printf("rewired ValidatingWebhookConfiguration %s -> %s", cur.Name, *want.URL)
		}
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		log.Printf("rewire VWC %s: %v", v.Name, err)
	}
}

// ---------------------------------------------------------------- versions

func imageTag(image string) string {
	if i := strings.LastIndex(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i >= 0 && !strings.Contains(image[i:], "/") {
		return image[i+1:]
	}
	return ""
}

func (inj *injector) versionOf(ctx context.Context, rev string) string {
	inj.mu.Lock()
	if c, ok := inj.versions[rev]; ok && time.Since(c.at) < *cacheTTL {
		inj.mu.Unlock()
		return c.version
	}
	inj.mu.Unlock()

	version := ""
	deps := inj.client.AppsV1().Deployments(istioNamespace)
	name := "istiod"
	if rev != "default" && rev != "" {
		name = "istiod-" + rev
	}
	if d, err := deps.Get(ctx, name, metav1.GetOptions{}); err == nil {
		version = pilotTag(d.Spec.Template.Spec.Containers)
	}
	if version == "" {
		if list, err := deps.List(ctx, metav1.ListOptions{LabelSelector: "app=istiod,istio.io/rev=" + rev}); err == nil {
			for _, d := range list.Items {
				if v := pilotTag(d.Spec.Template.Spec.Containers); v != "" {
					version = v
					break
				}
			}
		}
	}
	if version == "" {
		// The lookup can fail for a moment (e.g. right after the API server restarts): a version
		// seen before beats "unknown", which would give the pod a proxy image no istiod runs.
		inj.mu.Lock()
		c, ok := inj.versions[rev]
		inj.mu.Unlock()
		if ok {
			return c.version
		}
		return "unknown" // never seen: the revision may be installed in a moment
	}
	inj.mu.Lock()
	inj.versions[rev] = cachedVersion{version: version, at: time.Now()}
	inj.mu.Unlock()
	return version
}

func pilotTag(cs []corev1.Container) string {
	for _, c := range cs {
		if c.Name == "discovery" {
			return imageTag(c.Image)
		}
	}
	for _, c := range cs {
		if strings.Contains(c.Image, "pilot") {
			return imageTag(c.Image)
		}
	}
	return ""
}

// ---------------------------------------------------------------- admission

type review struct {
	APIVersion string                         `json:"apiVersion"`
	Kind       string                         `json:"kind"`
	Request    *admissionv1.AdmissionRequest  `json:"request,omitempty"`
	Response   *admissionv1.AdmissionResponse `json:"response,omitempty"`
}

func readReview(w http.ResponseWriter, r *http.Request) (*review, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	var rv review
	if err := json.Unmarshal(body, &rv); err != nil || rv.Request == nil {
		http.Error(w, "bad AdmissionReview", http.StatusBadRequest)
		return nil, false
	}
	return &rv, true
}

func writeReview(w http.ResponseWriter, req *review, resp *admissionv1.AdmissionResponse) {
	resp.UID = req.Request.UID
	apiVersion := req.APIVersion
	if apiVersion == "" {
		apiVersion = "admission.k8s.io/v1"
	}
	out, _ := json.Marshal(review{APIVersion: apiVersion, Kind: "AdmissionReview", Response: resp})
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

func serveValidate(w http.ResponseWriter, r *http.Request) {
	rv, ok := readReview(w, r)
	if !ok {
		return
	}
	writeReview(w, rv, &admissionv1.AdmissionResponse{Allowed: true})
}

type patchOp struct {
	Op    string      `json:"op"`
	Path  string      `json:"path"`
	Value interface{} `json:"value,omitempty"`
}

func escapeJSONPointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (inj *injector) serveInject(w http.ResponseWriter, r *http.Request) {
	rv, ok := readReview(w, r)
	if !ok {
		return
	}
	rev := strings.Trim(strings.TrimPrefix(r.URL.Path, "/inject"), "/")
	if rev == "" {
		rev = "default"
	}
	var pod corev1.Pod
	if err := json.Unmarshal(rv.Request.Object.Raw, &pod); err != nil {
		writeReview(w, rv, &admissionv1.AdmissionResponse{Allowed: true})
		return
	}
	if _, done := pod.Annotations[statusAnnotation]; done {
		writeReview(w, rv, &admissionv1.AdmissionResponse{Allowed: true})
		return
	}
	if pod.Spec.HostNetwork {
		writeReview(w, rv, &admissionv1.AdmissionResponse{Allowed: true})
		return
	}
	version := inj.versionOf(r.Context(), rev)
	patch := buildPatch(&pod, rev, version, *hub)
	raw, _ := json.Marshal(patch)
	pt := admissionv1.PatchTypeJSONPatch
	ns := rv.Request.Namespace
	if ns == "" {
		ns = pod.Namespace
	}
	name := pod.Name
	if name == "" {
		name = pod.GenerateName + "*"
	}
	log.Printf("injected %s/%s rev=%s version=%s", ns, name, rev, version)
	writeReview(w, rv, &admissionv1.AdmissionResponse{Allowed: true, Patch: raw, PatchType: &pt})
}

func buildPatch(pod *corev1.Pod, rev, version, hub string) []patchOp {
	var ops []patchOp
	image := fmt.Sprintf("%s/proxyv2:%s", hub, version)

	// Gateways (and "gateway" injection template users) already carry an
	// istio-proxy container with image "auto": Istio only fills it in.
	proxyIdx := -1
	for i, c := range pod.Spec.Containers {
		if c.Name == "istio-proxy" {
			proxyIdx = i
		}
	}
	hasVolume := false
	for _, v := range pod.Spec.Volumes {
		if v.Name == "istio-envoy" {
			hasVolume = true
		}
	}
	// Same shape and field order as Istio's SidecarInjectionStatus.
	statusObj := struct {
		InitContainers   []string `json:"initContainers"`
		Containers       []string `json:"containers"`
		Volumes          []string `json:"volumes"`
		ImagePullSecrets []string `json:"imagePullSecrets"`
		Revision         string   `json:"revision"`
	}{[]string{"istio-init"}, []string{"istio-proxy"}, []string{"istio-envoy"}, nil, rev}
	if proxyIdx >= 0 {
		statusObj.InitContainers = nil
	}
	status, _ := json.Marshal(statusObj)
	annotations := map[string]string{
		statusAnnotation: string(status),
		revAnnotation:    rev,
		"kubectl.kubernetes.io/default-container":      firstContainer(pod),
		"kubectl.kubernetes.io/default-logs-container": firstContainer(pod),
		"prometheus.io/path":                           "/stats/prometheus",
		"prometheus.io/port":                           "15020",
		"prometheus.io/scrape":                         "true",
	}
	if pod.Annotations == nil {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations", Value: map[string]string{}})
	}
	for k, v := range annotations {
		if _, exists := pod.Annotations[k]; exists && k != statusAnnotation && k != revAnnotation {
			continue
		}
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations/" + escapeJSONPointer(k), Value: v})
	}
	app := pod.Labels["app.kubernetes.io/name"]
	if app == "" {
		app = pod.Labels["app"]
	}
	if app == "" {
		app = strings.TrimSuffix(pod.GenerateName, "-")
	}
	canonRev := pod.Labels["app.kubernetes.io/version"]
	if canonRev == "" {
		canonRev = pod.Labels["version"]
	}
	if canonRev == "" {
		canonRev = "latest"
	}
	labels := map[string]string{
		"security.istio.io/tlsMode":           "istio",
		"service.istio.io/canonical-name":     app,
		"service.istio.io/canonical-revision": canonRev,
	}
	if pod.Labels == nil {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/labels", Value: map[string]string{}})
	}
	for k, v := range labels {
		if _, exists := pod.Labels[k]; exists {
			continue
		}
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/labels/" + escapeJSONPointer(k), Value: v})
	}

	if proxyIdx >= 0 {
		ops = append(ops, patchOp{Op: "replace", Path: fmt.Sprintf("/spec/containers/%d/image", proxyIdx), Value: image})
		if !hasVolume {
			ops = append(ops, volumeOps(pod)...)
		}
		return ops
	}

	discovery := "istiod." + istioNamespace + ".svc:15012"
	if rev != "default" {
		discovery = "istiod-" + rev + "." + istioNamespace + ".svc:15012"
	}
	proxyConfig, _ := json.Marshal(map[string]string{"discoveryAddress": discovery})
	runAsUser := int64(1337)
	proxy := corev1.Container{
		Name:  "istio-proxy",
		Image: image,
		Args:  []string{"proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local", "--proxyLogLevel=warning", "--log_output_level=default:info"},
		Ports: []corev1.ContainerPort{{Name: "http-envoy-prom", ContainerPort: 15090, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			{Name: "PILOT_CERT_PROVIDER", Value: "istiod"},
			{Name: "CA_ADDR", Value: discovery},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
			{Name: "PROXY_CONFIG", Value: string(proxyConfig)},
			{Name: "ISTIO_META_CLUSTER_ID", Value: "Kubernetes"},
			{Name: "ISTIO_META_MESH_ID", Value: "cluster.local"},
		},
		VolumeMounts:    []corev1.VolumeMount{{Name: "istio-envoy", MountPath: "/etc/istio/proxy"}},
		SecurityContext: &corev1.SecurityContext{RunAsUser: &runAsUser, RunAsGroup: &runAsUser},
	}
	initC := corev1.Container{
		Name:  "istio-init",
		Image: image,
		Args:  []string{"istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020"},
	}
	ops = append(ops, patchOp{Op: "add", Path: "/spec/containers/-", Value: proxy})
	if len(pod.Spec.InitContainers) == 0 {
		ops = append(ops, patchOp{Op: "add", Path: "/spec/initContainers", Value: []corev1.Container{initC}})
	} else {
		ops = append(ops, patchOp{Op: "add", Path: "/spec/initContainers/-", Value: initC})
	}
	if !hasVolume {
		ops = append(ops, volumeOps(pod)...)
	}
	return ops
}

func volumeOps(pod *corev1.Pod) []patchOp {
	vol := corev1.Volume{Name: "istio-envoy", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}
	if len(pod.Spec.Volumes) == 0 {
		return []patchOp{{Op: "add", Path: "/spec/volumes", Value: []corev1.Volume{vol}}}
	}
	return []patchOp{{Op: "add", Path: "/spec/volumes/-", Value: vol}}
}

func firstContainer(pod *corev1.Pod) string {
	if len(pod.Spec.Containers) > 0 {
		return pod.Spec.Containers[0].Name
	}
	return "istio-proxy"
}
