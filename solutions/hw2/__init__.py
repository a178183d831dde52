"""HW2 (2019), questions 3-5: recurrent networks and image captioning in NumPy."""
