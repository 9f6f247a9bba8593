"""What a lesson imports: everything a learner's notebook calls, and nothing else.

sources (hub or offline), assets (where the offline files are), data (task datasets in one schema;
conll and cloze build the offline NER and QA sets), models (checkpoints), precision (device and
precision), training (Trainer callbacks and checks), metrics, plots, highlight, diagnose, quiz,
modelcard, mistakes (hints under library errors), setup (the first call of every lesson).
Nothing here imports coursekit.tooling or coursekit.grader.
"""
