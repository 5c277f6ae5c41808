#!/usr/bin/env python3
"""PyTorch peer of scripts/bench-final: the same derived network (S3NAS model JSON with final
block types c0 MBConv, c100 MixConv, c15 fused; optional SE and activation suffixes), training
steps (RMSprop, label smoothing 0.1) and eval-mode inference at the same batch and threads, NCHW
and channels-last, random data. Prints one JSON line (the faster layout). Debian's python3-torch."""
import argparse, json, resource, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F

ACTS = {'relu': nn.ReLU, 'relu6': nn.ReLU6, 'hsw': nn.Hardswish, 'sw': nn.SiLU, 'hsigmoid': nn.Hardsigmoid,
        'sigmoid': nn.Sigmoid}


def parse(s):
    a = {'se': 0.0, 'act': None, 'noskip': False}
    for tok in s.split('_'):
        if tok in ACTS:
            a['act'] = tok
        elif tok == 'noskip':
            a['noskip'] = True
        elif tok.startswith('se'):
            a['se'] = float(tok[2:])
        else:
            k, v = tok[0], tok[1:]
            a[k] = [int(x) for x in v.split(',')] if k in 'ke' else v
    a['r'], a['i'], a['o'], a['c'] = int(a['r']), int(a['i']), int(a['o']), int(a['c'])
    a['s'] = int(a['s'][0])
    return a


class Block(nn.Module):
    def __init__(self, a, act):
        super().__init__()
        act = ACTS[a['act'] or act]
        cin, e = a['i'], [a['i'] * x for x in a['e']]
        exp = sum(e)
        self.res = a['s'] == 1 and a['i'] == a['o'] and not a['noskip']
        if a['c'] == 15:
            k = a['k'][0]
            self.front = nn.Sequential(nn.Conv2d(cin, exp, k, a['s'], k // 2, bias=False), nn.BatchNorm2d(exp, eps=1e-3), act())
            self.dw = None
        else:
            self.front = (nn.Sequential(nn.Conv2d(cin, exp, 1, bias=False), nn.BatchNorm2d(exp, eps=1e-3), act())
                          if exp != cin else nn.Identity())
            self.splits = e
            self.dw = nn.ModuleList(nn.Conv2d(c, c, k, a['s'], k // 2, groups=c, bias=False) for c, k in zip(e, a['k']))
            self.dwbn = nn.Sequential(nn.BatchNorm2d(exp, eps=1e-3), act())
        r = max(1, int(cin * a['se']))
        self.se = (nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(exp, r, 1), nn.ReLU(), nn.Conv2d(r, exp, 1), nn.Sigmoid())
                   if a['se'] > 0 else None)
        self.project = nn.Sequential(nn.Conv2d(exp, a['o'], 1, bias=False), nn.BatchNorm2d(a['o'], eps=1e-3))

    def forward(self, x):
        h = self.front(x)
        if self.dw is not None:
            parts = torch.split(h, self.splits, dim=1) if len(self.splits) > 1 else [h]
            h = self.dwbn(torch.cat([c(p) for c, p in zip(self.dw, parts)], 1) if len(parts) > 1 else self.dw[0](h))
        if self.se is not None:
            h = h * self.se(h)
        y = self.project(h)
        return y + x if self.res else y


def build(spec):
    act = spec.get('act_fn', 'relu')
    f = spec['first_conv']
    layers = [nn.Conv2d(spec['img_c'], f['output_filters'], f['kernel_size'], f.get('strides', 1), f['kernel_size'] // 2,
                        bias=False), nn.BatchNorm2d(f['output_filters'], eps=1e-3), ACTS[act]()]
    last = f['output_filters']
    for stage in spec['stages_args']:
        blocks = stage['blocks_args'] if isinstance(stage, dict) else stage if isinstance(stage, list) else [stage]
        for s in blocks:
            a = parse(s)
            for j in range(a['r']):
                b = dict(a, s=a['s'] if j == 0 else 1, i=a['i'] if j == 0 else a['o'])
                layers.append(Block(b, act))
                last = b['o']
    m = spec['feature_mix_layer']['output_filters']
    layers += [nn.Conv2d(last, m, 1, bias=False), nn.BatchNorm2d(m, eps=1e-3), ACTS[act](), nn.AdaptiveAvgPool2d(1),
               nn.Flatten(), nn.Dropout(0.2), nn.Linear(m, spec['n_classes'])]
    return nn.Sequential(*layers)


def timed(fn, warm, n):
    ts = []
    for s in range(warm + n):
        t0 = time.perf_counter()
        fn()
        if s >= warm:
            ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', required=True)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--warmup-steps', type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    spec = json.load(open(args.arch))
    best = None
    for cl in (False, True):
        model = build(spec)
        x = torch.randn(args.batch, spec['img_c'], spec['img_size'], spec['img_size'])
        y = torch.arange(args.batch) % spec['n_classes']
        if cl:
            model = model.to(memory_format=torch.channels_last)
            x = x.to(memory_format=torch.channels_last)
        opt = torch.optim.RMSprop(model.parameters(), lr=0.016 * args.batch / 256, alpha=0.9, momentum=0.9, eps=1e-3,
                                  weight_decay=1e-5)

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y, label_smoothing=0.1).backward()
            opt.step()
        model.train()
        train = timed(step, args.warmup_steps, args.steps)
        model.eval()
        with torch.no_grad():
            infer = timed(lambda: model(x), args.warmup_steps, args.steps)
        row = {'framework': 'pytorch', 'version': torch.__version__, 'arch': args.arch, 'batch': args.batch,
               'threads': args.threads, 'channels_last': cl, 'train_images_per_s': round(args.batch / train, 2),
               'infer_images_per_s': round(args.batch / infer, 2),
               'params': sum(p.numel() for p in model.parameters()),
               'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        print(json.dumps(row))
        if best is None or row['train_images_per_s'] > best['train_images_per_s']:
            best = row
    print(json.dumps(best))


if __name__ == '__main__':
    main()
